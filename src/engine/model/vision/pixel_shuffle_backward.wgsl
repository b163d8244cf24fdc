// Backward of pixel_shuffle.wgsl: the forward is a permutation, so the backward is the
// inverse permutation, written as a gather (one thread per element of dx, no atomics,
// deterministic) that accumulates:
//   dx[m, l, ch] += dout[m, h2·ns + w2, (i·s + j)·D + ch],  l = h·n + w, h = h2·s + i, w = w2·s + j
// dx [M, L, D] (L = n²), dout [M, T, s²·D] (T = L/s², ns = n/s).
// One element per thread; flat index = (wid.x + wid.y·nwg.x)·256 + lid.x.
struct P { total: u32, D: u32, s: u32, n: u32 }
@group(0) @binding(0) var<uniform> prm: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (e >= prm.total) { return; }
  let s = prm.s;
  let ns = prm.n / s;
  let L = prm.n * prm.n;
  let ch = e % prm.D;
  let l = (e / prm.D) % L;
  let m = e / (prm.D * L);
  let h = l / prm.n;
  let w = l % prm.n;
  let tok = (h / s) * ns + w / s;
  let f = ((h % s) * s + w % s) * prm.D + ch;
  dx[e] = dx[e] + dout[(m * (L / (s * s)) + tok) * (prm.D * s * s) + f];
}
