// Attention backward, step 2: dq += scale · Σ_s dS[t,s] · k[s], FlashAttention-2 style.
// One workgroup per (query tile of BR rows, query head, batch) walks the key tiles of BC;
// per tile it recomputes P = exp(scale·q·kᵀ − lse) from the saved lse and
// dS = P ∘ (dO·vᵀ − Δ); only a BR×BC tile of dS exists at a time.
//
// Layouts: q, dq, dout [B,T,Hq,D]; k, v [B,S,Hkv,D]; stats [B,Hq,T,2] = (lseEff, Δ) from
// attention_delta.wgsl (lseEff = +1e30 for rows with no visible key → P = 0, gradient 0).
// Threads: BR rows × LANES lanes, the same split as the forward (attention.wgsl): K/V tiles
// are vec4 rows of D4 = ceil(D/4) (zero-padded), q/dO rows sit in registers; lane ln of row r owns the vec4 columns
// i = ln + LANES·j of dq and the keys c = ln + LANES·i of each tile.
// Each workgroup owns its dq rows exclusively: plain read-modify-write, no races.

override D: u32;
override BR: u32;
override BC: u32;
override LANES: u32 = 4u;
override D4: u32 = (D + 3u) / 4u;
const MAX_V = 8u; // vec4 accumulators per thread: D ≤ 32·LANES
const MAX_Q = 32u; // vec4 slots of a register-resident row: D ≤ 128

struct Params {
  T: u32,
  S: u32,
  Hq: u32,
  Hkv: u32,
  scale: f32,
  causal: u32,
  hasMask: u32,
  _pad: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dq: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read> keyMask: array<u32>; // any buffer when hasMask = 0

var<workgroup> Ks: array<vec4f, BC * D4>;
var<workgroup> Vs: array<vec4f, BC * D4>;
var<workgroup> dSs: array<f32, BR * BC>;

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
  let shift = i32(p.S) - i32(p.T);
  let nthreads = BR * LANES;

  // This thread's q and dO rows live in registers (workgroup memory is kept small: Dawn
  // zero-initialises it and SwiftShader's compile time grows with its size).
  var qr: array<vec4f, MAX_Q>;
  var gr: array<vec4f, MAX_Q>;
  if (rowOk) {
    let o = ((b * p.T + t) * p.Hq + h) * D;
    for (var d = 0u; d < D; d++) {
      qr[d / 4u][d % 4u] = q[o + d];
      gr[d / 4u][d % 4u] = dout[o + d];
    }
  }
  var L = 1.0e30;
  var delta = 0.0;
  if (rowOk) {
    let row = (b * p.Hq + h) * p.T + t;
    L = stats[2u * row];
    delta = stats[2u * row + 1u];
  }

  var sEnd = p.S;
  if (p.causal != 0u) {
    let lastT = min(t0 + BR, p.T) - 1u;
    sEnd = u32(clamp(i32(lastT) + shift + 1, 0, i32(p.S)));
  }

  var acc: array<vec4f, MAX_V>;
  let nv = (D4 + LANES - 1u) / LANES;

  for (var s0 = 0u; s0 < sEnd; s0 += BC) {
    workgroupBarrier();
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
      var ds = 0.0;
      if (ok) {
        var qk = 0.0;
        var dp = 0.0;
        for (var i = 0u; i < D4; i++) {
          qk += dot(qr[i], Ks[c * D4 + i]);
          dp += dot(gr[i], Vs[c * D4 + i]);
        }
        let pr = exp(qk * p.scale - L);
        ds = pr * (dp - delta);
      }
      dSs[r * BC + c] = ds;
    }
    workgroupBarrier();

    for (var c = 0u; c < BC; c++) {
      let ds = dSs[r * BC + c];
      for (var j = 0u; j < nv; j++) {
        let i = ln + LANES * j;
        if (i < D4) { acc[j] += ds * Ks[c * D4 + i]; }
      }
    }
  }

  if (!rowOk) { return; }
  let o = ((b * p.T + t) * p.Hq + h) * D;
  for (var j = 0u; j < nv; j++) {
    let i = ln + LANES * j;
    for (var e = 0u; e < 4u; e++) {
      let d = 4u * i + e;
      if (i < D4 && d < D) { dq[o + d] = dq[o + d] + p.scale * acc[j][e]; }
    }
  }
}
