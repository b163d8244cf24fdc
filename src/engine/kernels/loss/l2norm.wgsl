// L2 normalise rows: x [n,d] → y [n,d] = x / max(‖x‖₂, eps), norm [n] = ‖x‖₂ (raw, unclamped:
// backward needs to know whether the clamp was active). One workgroup per row; rows beyond
// 65535 workgroups arrive as a 2-D grid (row = wid.x + wid.y·nwg.x).
// Trap: the sum of squares is f32; rows with |x| > ~1e19 overflow to Inf (never happens for
// hidden states, whose final RMSNorm bounds them).
const WG = 64u;
struct P { n: u32, d: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> norm: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.n) { return; } // uniform per workgroup: barriers below stay in uniform flow
  let base = row * p.d;
  var s = 0.0;
  for (var j = lid; j < p.d; j += WG) { let v = x[base + j]; s += v * v; }
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let nrm = sqrt(red[0]);
  if (lid == 0u) { norm[row] = nrm; }
  let inv = 1.0 / max(nrm, p.eps);
  for (var j = lid; j < p.d; j += WG) { y[base + j] = x[base + j] * inv; }
}
