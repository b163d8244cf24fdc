// Chunked cross-entropy backward. Per vocab chunk the launcher recomputes logits [n, cols]
// = h·W_cᵀ, `dlogits` rewrites them in place into
//   dz[i,c] = (exp(z − lse[i]) − [label_i == v0 + c]) · dLoss / #valid   (0 for ignored rows)
// and then dh += dz·W_c, dW_c += dzᵀ·h (matmul). `count` writes #valid (as f32) into cnt[0]
// once per backward call; with no valid row every dz is 0 (no 0/0).
const WG = 256u;
struct P { n: u32, cols: u32, v0: u32, dLoss: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> logits: array<f32>; // [n, cols] → dz
@group(0) @binding(2) var<storage, read_write> cnt: array<f32>;    // [1]
@group(0) @binding(3) var<storage, read> lse: array<f32>;          // [n]
@group(0) @binding(4) var<storage, read> labels: array<i32>;       // [n]
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn count(@builtin(local_invocation_index) lid: u32) {
  var c = 0.0;
  for (var i = lid; i < p.n; i += WG) { if (labels[i] != -100) { c += 1.0; } }
  red[lid] = c;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) { cnt[0] = red[0]; }
}

@compute @workgroup_size(WG)
fn dlogits(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * WG + lid;
  if (k >= p.n * p.cols) { return; }
  let i = k / p.cols;
  let c = k - i * p.cols;
  let lab = labels[i];
  if (lab == -100) { logits[k] = 0.0; return; }
  var g = exp(logits[k] - lse[i]);
  if (lab == i32(p.v0 + c)) { g -= 1.0; }
  logits[k] = g * p.dLoss / max(cnt[0], 1.0);
}
