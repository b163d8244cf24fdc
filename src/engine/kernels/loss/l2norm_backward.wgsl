// L2 normalise backward, accumulating: with n = norm[row] (raw ‖x‖),
//   n > eps : dx += (dy − y·(y·dy)) / n        (projection onto the tangent of the sphere)
//   n ≤ eps : dx += dy / eps                   (clamp active: y = x/eps is linear in x)
// This matches torch.nn.functional.normalize (x / max(‖x‖, eps)). A zero row gives y = 0 and
// dx += dy/eps: finite but huge for eps = 1e-12 — callers never feed zero embeddings.
const WG = 64u;
struct P { n: u32, d: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read> y: array<f32>;
@group(0) @binding(4) var<storage, read> norm: array<f32>;
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.n) { return; }
  let base = row * p.d;
  var s = 0.0;
  for (var j = lid; j < p.d; j += WG) { s += y[base + j] * dy[base + j]; }
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let yd = red[0];
  let nrm = norm[row];
  if (nrm > p.eps) {
    let inv = 1.0 / nrm;
    for (var j = lid; j < p.d; j += WG) { dx[base + j] += (dy[base + j] - y[base + j] * yd) * inv; }
  } else {
    let inv = 1.0 / p.eps;
    for (var j = lid; j < p.d; j += WG) { dx[base + j] += dy[base + j] * inv; }
  }
}
