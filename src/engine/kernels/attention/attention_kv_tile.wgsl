// The query-tile thread layout and K/V tiles in workgroup memory, shared by the kernels that walk key tiles per query tile
// (attention.wgsl, attention_backward_dq.wgsl); prepended after attention_common.wgsl.
// Needs the kernel's bindings `k`, `v` ([B,S,Hkv,D]) and a workgroup of BR·LANES threads.

// The thread's place in a query-tile workgroup (forward, dq: one per (query tile, head,
// batch), BR rows × LANES lanes): batch b, query head h and its KV head kvh (grouped-query),
// row r and lane ln of the thread, its query t and whether t < T.
// Trap: the value depends on local_invocation_index, so WGSL's uniformity analysis treats all
// of it as non-uniform: loop bounds around barriers use the tile start wid.x·BR directly.
struct QueryThread { b: u32, h: u32, kvh: u32, r: u32, ln: u32, t: u32, rowOk: bool }

fn queryThread(wid: vec3u, li: u32) -> QueryThread {
  let t = wid.x * BR + li / LANES;
  return QueryThread(wid.z, wid.y, wid.y / (p.Hq / p.Hkv), li / LANES, li % LANES, t, t < p.T);
}

var<workgroup> Ks: array<vec4f, BC * D4>;
var<workgroup> Vs: array<vec4f, BC * D4>;

// Ks/Vs ← keys s0 … s0+BC−1 of KV head kvh, batch b (zero past S and past D). Every thread
// calls it, between two workgroupBarrier()s.
fn loadKvTile(b: u32, kvh: u32, s0: u32, li: u32) {
  for (var i = li; i < BC * D4; i += BR * LANES) {
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
}
