// Bias add broadcast over rows: out[r, c] = x[r, c] + bias[c], x/out [rows, H], bias [H].
// IN_PLACE: out is also x (x is then a 1-element dummy binding, never read).
// One thread per element; flat index = gid.x + gid.y · (nwg.x · 256).
override IN_PLACE: bool = false;
struct P { n: u32, H: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let v = select(x[i], out[i], IN_PLACE);
  out[i] = v + bias[i % p.H];
}
