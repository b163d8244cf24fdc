// Attention forward, FlashAttention style: one workgroup per (query tile of BR rows, query
// head, batch); it walks the keys in tiles of BC, keeping an online softmax (running max m,
// running sum l, unnormalised output acc) per row. Nothing larger than a BR×BC tile of
// scores ever exists.
//
// Layouts: q, out [B,T,Hq,D]; k, v [B,S,Hkv,D]; lse [B,Hq,T]; keyMask u32 [B,S].
// Threads: BR rows × LANES lanes. K/V tiles live in workgroup memory as vec4 rows of D4 =
// ceil(D/4) (zero-padded past D), each thread's query row in registers; dots are vec4 dots. Lane `ln` of row r owns the
// output vec4 columns i = ln + LANES·j (strided: neighbouring lanes, neighbouring words) and
// computes the scores of keys c = ln + LANES·i of each tile.
//
// Traps:
//  * WGSL lets compilers assume there are no infinities, so masking uses the finite
//    sentinel NEG (scores are ~±100 at most) and never computes exp(−inf − (−inf));
//    a row that sees no key ends with l = 0 → out = 0 and lse = −Infinity, the latter
//    written from its bit pattern (documented sentinel; backward checks the bits).
//  * barriers sit in uniform control flow: loop bounds depend on workgroup_id and params
//    only; rows past T still run every loop and just don't store.
//  * private arrays need a constant size: acc has MAX_V = 8 vec4 slots (D ≤ 32·LANES),
//    the query row qr MAX_Q = 32 (D ≤ 128).
//  * the query row lives in registers, not workgroup memory: Dawn zero-initialises
//    workgroup memory and SwiftShader's compile time grows with its size.

override D: u32;
override BR: u32;
override BC: u32;
override LANES: u32 = 4u;
override D4: u32 = (D + 3u) / 4u;
const MAX_V = 8u;
const MAX_Q = 32u;
const NEG = -1.0e30;
const NEG_HALF = -0.5e30;

struct Params {
  T: u32,
  S: u32,
  Hq: u32,
  Hkv: u32,
  scale: f32,
  causal: u32,
  hasMask: u32,
  negInfBits: u32, // 0xff800000: lse of a row with no visible key
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<storage, read> q: array<f32>;
@group(0) @binding(4) var<storage, read> k: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read> keyMask: array<u32>; // any buffer when hasMask = 0

var<workgroup> Ks: array<vec4f, BC * D4>;
var<workgroup> Vs: array<vec4f, BC * D4>;
var<workgroup> Ps: array<f32, BR * BC>; // scaled scores of the tile, NEG where masked

@compute @workgroup_size(BR * LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let b = wid.z;
  let h = wid.y;
  let t0 = wid.x * BR;
  let kvh = h / (p.Hq / p.Hkv);
  let r = li / LANES;
  let ln = li % LANES;
  let t = t0 + r;
  let rowOk = t < p.T;
  let shift = i32(p.S) - i32(p.T); // causal: key s visible to query t iff s ≤ t + shift
  let nthreads = BR * LANES;

  var qr: array<vec4f, MAX_Q>; // this thread's query row (every lane of the row holds it)
  if (rowOk) {
    let g = ((b * p.T + t) * p.Hq + h) * D;
    for (var d = 0u; d < D; d++) { qr[d / 4u][d % 4u] = q[g + d]; }
  }

  // Keys past the last row's causal limit are invisible to the whole tile (uniform bound).
  var sEnd = p.S;
  if (p.causal != 0u) {
    let lastT = min(t0 + BR, p.T) - 1u;
    sEnd = u32(clamp(i32(lastT) + shift + 1, 0, i32(p.S)));
  }

  var m = NEG;
  var l = 0.0;
  var acc: array<vec4f, MAX_V>;
  let nv = (D4 + LANES - 1u) / LANES; // vec4 columns per lane

  for (var s0 = 0u; s0 < sEnd; s0 += BC) {
    workgroupBarrier(); // the previous tile is no longer being read
    for (var i = li; i < BC * D4; i += nthreads) {
      let s = s0 + i / D4;
      var kx = vec4f(0.0);
      var vx = vec4f(0.0);
      if (s < p.S) {
        let g = ((b * p.S + s) * p.Hkv + kvh) * D;
        let d0 = (i % D4) * 4u;
        for (var e = 0u; e < 4u; e++) {
          if (d0 + e < D) {
            kx[e] = k[g + d0 + e];
            vx[e] = v[g + d0 + e];
          }
        }
      }
      Ks[i] = kx;
      Vs[i] = vx;
    }
    workgroupBarrier();

    for (var c = ln; c < BC; c += LANES) {
      let s = s0 + c;
      var ok = rowOk && s < p.S;
      if (ok && p.hasMask != 0u) { ok = keyMask[b * p.S + s] != 0u; }
      if (ok && p.causal != 0u) { ok = i32(s) <= i32(t) + shift; }
      var sc = NEG;
      if (ok) {
        var dotv = 0.0;
        for (var i = 0u; i < D4; i++) { dotv += dot(qr[i], Ks[c * D4 + i]); }
        sc = dotv * p.scale;
      }
      Ps[r * BC + c] = sc;
    }
    workgroupBarrier();

    // Online softmax update; every lane of a row repeats the same (cheap) arithmetic.
    var mNew = m;
    for (var c = 0u; c < BC; c++) { mNew = max(mNew, Ps[r * BC + c]); }
    let alpha = exp(m - mNew); // 1 while nothing is visible, 0 on the first visible key
    l *= alpha;
    for (var j = 0u; j < nv; j++) { acc[j] *= alpha; }
    for (var c = 0u; c < BC; c++) {
      let sc = Ps[r * BC + c];
      if (sc > NEG_HALF) {
        let pc = exp(sc - mNew);
        l += pc;
        for (var j = 0u; j < nv; j++) {
          let i = ln + LANES * j;
          if (i < D4) { acc[j] += pc * Vs[c * D4 + i]; }
        }
      }
    }
    m = mNew;
  }

  if (!rowOk) { return; } // after the last barrier: safe
  let o = ((b * p.T + t) * p.Hq + h) * D;
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var j = 0u; j < nv; j++) {
    let i = ln + LANES * j;
    let y = acc[j] * inv;
    for (var e = 0u; e < 4u; e++) {
      if (i < D4 && 4u * i + e < D) { out[o + 4u * i + e] = y[e]; }
    }
  }
  if (ln == 0u) {
    lse[(b * p.Hq + h) * p.T + t] = select(bitcast<f32>(p.negInfBits), m + log(l), l > 0.0);
  }
}
