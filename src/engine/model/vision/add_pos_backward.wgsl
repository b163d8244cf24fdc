// Backward of add_pos.wgsl (position embedding broadcast over images):
//   dpos[l, d] += Σ_m dx[m, l, d]        dx [M, L, D] (M = images), dpos [L, D] (LD = L·D)
// One thread per dpos element sums its column over images in a fixed order (m = 0, 1, …):
// deterministic, no atomics, no partials (M is a handful of images).
// Flat index = (wid.x + wid.y·nwg.x)·256 + lid.x.
struct P { LD: u32, M: u32 }
@group(0) @binding(0) var<uniform> prm: P;
@group(0) @binding(1) var<storage, read_write> dpos: array<f32>;
@group(0) @binding(2) var<storage, read> dx: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u,
        @builtin(num_workgroups) nwg: vec3u) {
  let e = (wid.x + wid.y * nwg.x) * 256u + lid.x;
  if (e >= prm.LD) { return; }
  var acc = 0.0;
  for (var m = 0u; m < prm.M; m++) { acc += dx[m * prm.LD + e]; }
  dpos[e] = dpos[e] + acc;
}
