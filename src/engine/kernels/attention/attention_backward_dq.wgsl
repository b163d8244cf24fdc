// Attention backward, step 2: dq += scale · Σ_s dS[t,s] · k[s], FlashAttention-2 style.
// One workgroup per (query tile of BR rows, query head, batch) walks the key tiles of BC;
// per tile it recomputes P = exp(scale·q·kᵀ − lse) from the saved lse and
// dS = P ∘ (dO·vᵀ − Δ); only a BR×BC tile of dS exists at a time.
//
// Layouts: q, dq, dout [B,T,Hq,D]; k, v [B,S,Hkv,D]; stats [B,Hq,T,2] = (lseEff, Δ) from
// attention_delta.wgsl (lseEff = +1e30 for rows with no visible key → P = 0, gradient 0).
// Prepended by attention.ts: attention_common.wgsl and attention_kv_tile.wgsl, as the forward.
// Threads: BR rows × LANES lanes, the same split as the forward (attention.wgsl); q/dO rows
// sit in registers; lane ln of row r owns the vec4 columns i = ln + LANES·j of dq and the
// keys c = ln + LANES·i of each tile.
// Each workgroup owns its dq rows exclusively: plain read-modify-write, no races.

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> dq: array<f32>;
@group(0) @binding(2) var<storage, read> q: array<f32>;
@group(0) @binding(3) var<storage, read> k: array<f32>;
@group(0) @binding(4) var<storage, read> v: array<f32>;
@group(0) @binding(5) var<storage, read> dout: array<f32>;
@group(0) @binding(6) var<storage, read> stats: array<f32>;
@group(0) @binding(7) var<storage, read> keyMask: array<u32>; // any buffer when hasMask = 0

var<workgroup> dSs: array<f32, BR * BC>;

@compute @workgroup_size(BR * LANES)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32) {
  let th = queryThread(wid, li);

  // This thread's q and dO rows live in registers.
  var qr: array<vec4f, MAX_Q>;
  var gr: array<vec4f, MAX_Q>;
  if (th.rowOk) {
    let o = ((th.b * p.T + th.t) * p.Hq + th.h) * D;
    for (var d = 0u; d < D; d++) {
      qr[d / 4u][d % 4u] = q[o + d];
      gr[d / 4u][d % 4u] = dout[o + d];
    }
  }
  var L = 1.0e30;
  var delta = 0.0;
  if (th.rowOk) {
    let row = (th.b * p.Hq + th.h) * p.T + th.t;
    L = stats[2u * row];
    delta = stats[2u * row + 1u];
  }

  let sEnd = tileKeyEnd(wid.x * BR); // uniform: barriers run inside

  var acc: array<vec4f, MAX_V>;
  let nv = (D4 + LANES - 1u) / LANES;

  for (var s0 = 0u; s0 < sEnd; s0 += BC) {
    workgroupBarrier(); // the previous tile is no longer being read
    loadKvTile(th.b, th.kvh, s0, li);
    workgroupBarrier();

    for (var c = th.ln; c < BC; c += LANES) {
      let s = s0 + c;
      let ok = th.rowOk && keyKept(th.b, s) && causalOk(th.t, s);
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
      dSs[th.r * BC + c] = ds;
    }
    workgroupBarrier();

    for (var c = 0u; c < BC; c++) {
      let ds = dSs[th.r * BC + c];
      for (var j = 0u; j < nv; j++) {
        let i = th.ln + LANES * j;
        if (i < D4) { acc[j] += ds * Ks[c * D4 + i]; }
      }
    }
  }

  if (!th.rowOk) { return; }
  let o = ((th.b * p.T + th.t) * p.Hq + th.h) * D;
  for (var j = 0u; j < nv; j++) {
    let i = th.ln + LANES * j;
    for (var e = 0u; e < 4u; e++) {
      let d = 4u * i + e;
      if (i < D4 && d < D) { dq[o + d] = dq[o + d] + p.scale * acc[j][e]; }
    }
  }
}
