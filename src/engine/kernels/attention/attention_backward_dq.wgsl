// Attention backward, step 2: dq += scale · Σ_s dS[t,s] · k[s], FlashAttention-2 style.
// One workgroup per (query tile of BR rows, query head, batch) walks the key tiles of BC;
// per tile it recomputes P = exp(scale·q·kᵀ − lse) from the saved lse and
// dS = P ∘ (dO·vᵀ − Δ); only a BR×BC tile of dS exists at a time.
//
// Layouts: q, dq, dout [B,T,Hq,D]; k, v [B,S,Hkv,D]; stats [B,Hq,T,2] = (lseEff, Δ) from
// attention_delta.wgsl (lseEff = +1e30 for rows with no visible key → P = 0, gradient 0).
// Threads: BR rows × LANES lanes, the same split as the forward (attention.wgsl): lane ln of
// row r owns columns d = ln + LANES·j and the keys c = ln + LANES·i of each tile.
// Each workgroup owns its dq rows exclusively: plain read-modify-write, no races.

override D: u32;
override BR: u32;
override BC: u32;
override LANES: u32 = 4u;
const MAX_DPT = 32u;

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

var<workgroup> Qs: array<f32, BR * D>;
var<workgroup> dOs: array<f32, BR * D>;
var<workgroup> Ks: array<f32, BC * D>;
var<workgroup> Vs: array<f32, BC * D>;
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

  for (var i = li; i < BR * D; i += nthreads) {
    let tt = t0 + i / D;
    var x = 0.0;
    var g = 0.0;
    if (tt < p.T) {
      let o = ((b * p.T + tt) * p.Hq + h) * D + i % D;
      x = q[o];
      g = dout[o];
    }
    Qs[i] = x;
    dOs[i] = g;
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

  var acc: array<f32, MAX_DPT>;
  let dpt = (D + LANES - 1u) / LANES;

  for (var s0 = 0u; s0 < sEnd; s0 += BC) {
    workgroupBarrier();
    for (var i = li; i < BC * D; i += nthreads) {
      let s = s0 + i / D;
      var kx = 0.0;
      var vx = 0.0;
      if (s < p.S) {
        let g = ((b * p.S + s) * p.Hkv + kvh) * D + i % D;
        kx = k[g];
        vx = v[g];
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
        for (var d = 0u; d < D; d++) {
          qk += Qs[r * D + d] * Ks[c * D + d];
          dp += dOs[r * D + d] * Vs[c * D + d];
        }
        let pr = exp(qk * p.scale - L);
        ds = pr * (dp - delta);
      }
      dSs[r * BC + c] = ds;
    }
    workgroupBarrier();

    for (var c = 0u; c < BC; c++) {
      let ds = dSs[r * BC + c];
      for (var j = 0u; j < dpt; j++) {
        let d = ln + LANES * j;
        if (d < D) { acc[j] += ds * Ks[c * D + d]; }
      }
    }
  }

  if (!rowOk) { return; }
  let o = ((b * p.T + t) * p.Hq + h) * D;
  for (var j = 0u; j < dpt; j++) {
    let d = ln + LANES * j;
    if (d < D) { dq[o + d] = dq[o + d] + p.scale * acc[j]; }
  }
}
