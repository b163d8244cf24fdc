// Deterministic column sum of per-workgroup partials (norm weight/bias gradients):
//   out[c] += Σ_{g<G} partial[g·stride + offset + c]    for c < H, summed in g order.
// One thread per column.
struct P { G: u32, H: u32, stride: u32, offset: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> partial: array<f32>;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c = gid.x;
  if (c >= p.H) { return; }
  var s = 0.0;
  for (var g = 0u; g < p.G; g++) { s += partial[g * p.stride + p.offset + c]; }
  out[c] = out[c] + s;
}
