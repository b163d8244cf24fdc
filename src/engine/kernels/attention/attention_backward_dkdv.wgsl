// Attention backward, step 3: dk += scale · Σ_t dS[t,s] · q[t], dv += Σ_t P[t,s] · dO[t].
// One workgroup per (key tile of BC keys, KV head, batch) walks every query head of its
// GQA group and every query tile of BR rows, so the sum over the group's query heads
// happens in registers: no float atomics, and each workgroup owns its dk/dv rows.
//
// Layouts: q, dout [B,T,Hq,D]; k, v, dk, dv [B,S,Hkv,D]; stats [B,Hq,T,2] = (lseEff, Δ)
// (lseEff = +1e30 for rows with no visible key → P = 0).
// Prepended by attention.ts: attention_common.wgsl (overrides, Params, visibility rules).
// Threads: BC keys × LANES lanes; q/dO tiles are vec4 rows of D4 in workgroup memory, each
// thread's k/v rows sit in registers.
// Lane ln of key c owns the vec4 columns i = ln + LANES·j of dk/dv and computes the scores
// of query rows r = ln + LANES·i of each query tile.
// Causal: query tiles entirely before the first visible query of this key tile are skipped.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dk: array<f32>;
@group(0) @binding(2) var<storage, read_write> dv: array<f32>;
@group(0) @binding(3) var<storage, read> q: array<f32>;
@group(0) @binding(4) var<storage, read> k: array<f32>;
@group(0) @binding(5) var<storage, read> v: array<f32>;
@group(0) @binding(6) var<storage, read> dout: array<f32>;
@group(0) @binding(7) var<storage, read> stats: array<f32>;
@group(0) @binding(8) var<storage, read> keyMask: array<u32>; // any buffer when hasMask = 0

var<workgroup> Qs: array<vec4f, BR * D4>;
var<workgroup> dOs: array<vec4f, BR * D4>;
var<workgroup> Ls: array<f32, BR>;
var<workgroup> Dl: array<f32, BR>;
var<workgroup> Ps: array<f32, BR * BC>;
var<workgroup> dSs: array<f32, BR * BC>;

@compute @workgroup_size(BC * LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let b = wid.z;
  let kvh = wid.y;
  let s0 = wid.x * BC;
  let group = p.Hq / p.Hkv;
  let c = li / LANES;
  let ln = li % LANES;
  let s = s0 + c;
  let keyOk = keyKept(b, s);
  let nthreads = BC * LANES;

  // This thread's k and v rows live in registers.
  var kr: array<vec4f, MAX_Q>;
  var vr: array<vec4f, MAX_Q>;
  if (s < p.S) {
    let g = ((b * p.S + s) * p.Hkv + kvh) * D;
    for (var d = 0u; d < D; d++) {
      kr[d / 4u][d % 4u] = k[g + d];
      vr[d / 4u][d % 4u] = v[g + d];
    }
  }

  // Causal: the first query that sees key s0 is t = s0 − (S − T) (uniform bound).
  var tStart = 0u;
  if (p.causal != 0u) {
    tStart = u32(clamp(i32(s0) - causalShift(), 0, i32(p.T))) / BR * BR;
  }

  var accK: array<vec4f, MAX_V>;
  var accV: array<vec4f, MAX_V>;
  let nv = (D4 + LANES - 1u) / LANES;

  for (var gi = 0u; gi < group; gi++) {
    let h = kvh * group + gi;
    for (var t0 = tStart; t0 < p.T; t0 += BR) {
      workgroupBarrier(); // the previous query tile is no longer read
      for (var i = li; i < BR * D4; i += nthreads) {
        let tt = t0 + i / D4;
        var x = vec4f(0.0);
        var g = vec4f(0.0);
        if (tt < p.T) {
          let o = ((b * p.T + tt) * p.Hq + h) * D;
          let d0 = (i % D4) * 4u;
          for (var e = 0u; e < 4u; e++) {
            if (d0 + e < D) {
              x[e] = q[o + d0 + e];
              g[e] = dout[o + d0 + e];
            }
          }
        }
        Qs[i] = x;
        dOs[i] = g;
      }
      for (var i = li; i < BR; i += nthreads) {
        let tt = t0 + i;
        var L = 1.0e30;
        var dl = 0.0;
        if (tt < p.T) {
          let row = (b * p.Hq + h) * p.T + tt;
          L = stats[2u * row];
          dl = stats[2u * row + 1u];
        }
        Ls[i] = L;
        Dl[i] = dl;
      }
      workgroupBarrier();

      for (var r = ln; r < BR; r += LANES) {
        let t = t0 + r;
        let ok = keyOk && t < p.T && causalOk(t, s);
        var pr = 0.0;
        var ds = 0.0;
        if (ok) {
          var qk = 0.0;
          var dp = 0.0;
          for (var i = 0u; i < D4; i++) {
            qk += dot(Qs[r * D4 + i], kr[i]);
            dp += dot(dOs[r * D4 + i], vr[i]);
          }
          pr = exp(qk * p.scale - Ls[r]);
          ds = pr * (dp - Dl[r]);
        }
        Ps[r * BC + c] = pr;
        dSs[r * BC + c] = ds;
      }
      workgroupBarrier();

      for (var r = 0u; r < BR; r++) {
        let pr = Ps[r * BC + c];
        let ds = dSs[r * BC + c];
        for (var j = 0u; j < nv; j++) {
          let i = ln + LANES * j;
          if (i < D4) {
            accV[j] += pr * dOs[r * D4 + i];
            accK[j] += ds * Qs[r * D4 + i];
          }
        }
      }
    }
  }

  if (s >= p.S) { return; }
  let o = ((b * p.S + s) * p.Hkv + kvh) * D;
  for (var j = 0u; j < nv; j++) {
    let i = ln + LANES * j;
    for (var e = 0u; e < 4u; e++) {
      let d = 4u * i + e;
      if (i < D4 && d < D) {
        dk[o + d] = dk[o + d] + p.scale * accK[j][e];
        dv[o + d] = dv[o + d] + accV[j][e];
      }
    }
  }
}
