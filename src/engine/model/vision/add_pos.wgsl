// Position embedding, broadcast over images, in place:
//   x[m, l, d] += pos[l, d]       x [M, L, D] (total = M·L·D), pos [L, D] (LD = L·D)
// One element per thread; flat index = (wid.x + wid.y·nwg.x)·256 + lid.x.
// Positions are 0..L-1 for every image (full images; see encoder.ts trap).
struct P { total: u32, LD: u32 }
@group(0) @binding(0) var<uniform> prm: P;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> pos: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (e >= prm.total) { return; }
  x[e] = x[e] + pos[e % prm.LD];
}
