// Attention forward, FlashAttention style: one workgroup per (query tile of BR rows, query
// head, batch); it walks the keys in tiles of BC, keeping an online softmax (running max m,
// running sum l, unnormalised output acc) per row. Nothing larger than a BR×BC tile of
// scores ever exists.
//
// Prepended by attention.ts: attention_common.wgsl (overrides, Params, visibility rules) and
// attention_kv_tile.wgsl (Ks, Vs, loadKvTile).
// Layouts: q, out [B,T,Hq,D]; k, v [B,S,Hkv,D]; lse [B,Hq,T]; keyMask u32 [B,S].
// Threads: BR rows × LANES lanes; each thread's query row in registers; dots are vec4 dots.
// Lane `ln` of row r owns the output vec4 columns i = ln + LANES·j (strided: neighbouring
// lanes, neighbouring words) and computes the scores of keys c = ln + LANES·i of each tile.
//
// Traps:
//  * masking never computes exp(−inf − (−inf)): a row that sees no key ends with l = 0 →
//    out = 0 and lse = −Infinity, the latter written from its bit pattern (documented
//    sentinel; backward checks the bits).
//  * barriers sit in uniform control flow: loop bounds depend on workgroup_id and params
//    only; rows past T still run every loop and just don't store.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;
@group(0) @binding(3) var<storage, read> q: array<f32>;
@group(0) @binding(4) var<storage, read> k: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read> keyMask: array<u32>; // any buffer when hasMask = 0

var<workgroup> Ps: array<f32, BR * BC>; // scaled scores of the tile, NEG where masked

@compute @workgroup_size(BR * LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let th = queryThread(wid, li);

  var qr: array<vec4f, MAX_Q>; // this thread's query row (every lane of the row holds it)
  if (th.rowOk) {
    let g = ((th.b * p.T + th.t) * p.Hq + th.h) * D;
    for (var d = 0u; d < D; d++) { qr[d / 4u][d % 4u] = q[g + d]; }
  }

  let sEnd = tileKeyEnd(wid.x * BR); // uniform: barriers run inside

  var m = NEG;
  var l = 0.0;
  var acc: array<vec4f, MAX_V>;
  let nv = (D4 + LANES - 1u) / LANES; // vec4 columns per lane

  for (var s0 = 0u; s0 < sEnd; s0 += BC) {
    workgroupBarrier(); // the previous tile is no longer being read
    loadKvTile(th.b, th.kvh, s0, li);
    workgroupBarrier();

    for (var c = th.ln; c < BC; c += LANES) {
      let s = s0 + c;
      let ok = th.rowOk && keyKept(th.b, s) && causalOk(th.t, s);
      var sc = NEG;
      if (ok) {
        var dotv = 0.0;
        for (var i = 0u; i < D4; i++) { dotv += dot(qr[i], Ks[c * D4 + i]); }
        sc = dotv * p.scale;
      }
      Ps[th.r * BC + c] = sc;
    }
    workgroupBarrier();

    // Online softmax update; every lane of a row repeats the same (cheap) arithmetic.
    var mNew = m;
    for (var c = 0u; c < BC; c++) { mNew = max(mNew, Ps[th.r * BC + c]); }
    let alpha = exp(m - mNew); // 1 while nothing is visible, 0 on the first visible key
    l *= alpha;
    for (var j = 0u; j < nv; j++) { acc[j] *= alpha; }
    for (var c = 0u; c < BC; c++) {
      let sc = Ps[th.r * BC + c];
      if (sc > NEG_HALF) {
        let pc = exp(sc - mNew);
        l += pc;
        for (var j = 0u; j < nv; j++) {
          let i = th.ln + LANES * j;
          if (i < D4) { acc[j] += pc * Vs[c * D4 + i]; }
        }
      }
    }
    m = mNew;
  }

  if (!th.rowOk) { return; } // after the last barrier: safe
  let o = ((th.b * p.T + th.t) * p.Hq + th.h) * D;
  let inv = select(0.0, 1.0 / l, l > 0.0);
  for (var j = 0u; j < nv; j++) {
    let i = th.ln + LANES * j;
    let y = acc[j] * inv;
    for (var e = 0u; e < 4u; e++) {
      if (i < D4 && 4u * i + e < D) { out[o + 4u * i + e] = y[e]; }
    }
  }
  if (th.ln == 0u) {
    lse[(th.b * p.Hq + th.h) * p.T + th.t] = select(bitcast<f32>(p.negInfBits), m + log(l), l > 0.0);
  }
}
