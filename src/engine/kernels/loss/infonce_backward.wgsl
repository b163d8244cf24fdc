// Symmetric InfoNCE backward. With c = dLoss/(2n), scale = exp(−logTau):
//   dz[i,j] = c·(Prow[i,j] + Pcol[i,j] − 2·δij)
//   G = scale·dz                      (grad_logits, into g [n,n])
//   tmp = G·txt ; dTxt += Gᵀ·img      (matmul, in infonce.ts)
//   dImg += tmp                        (add_img)
//   dLogTau += −Σ_ij dz[i,j]·z[i,j] = −Σ_ij G[i,j]·S[i,j] = −Σ_{i,d} img[i,d]·tmp[i,d]
//                                      (tau_grad: one workgroup, fixed order; S is not kept)
// All entries share one binding set (an explicit layout, see infonce.ts).
const WG = 256u;
struct P { n: u32, d: u32, c: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> g: array<f32>;       // [n,n]
@group(0) @binding(2) var<storage, read_write> dImg: array<f32>;    // [n,d]
@group(0) @binding(3) var<storage, read_write> dLogTau: array<f32>; // [1]
@group(0) @binding(4) var<storage, read> probs: array<f32>;         // [2,n,n]
@group(0) @binding(5) var<storage, read> logTau: array<f32>;        // [1]
@group(0) @binding(6) var<storage, read> img: array<f32>;           // [n,d]
@group(0) @binding(7) var<storage, read> tmp: array<f32>;           // [n,d] = G·txt
var<workgroup> red: array<f32, WG>;

@compute @workgroup_size(WG)
fn grad_logits(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * WG + lid;
  let nn = p.n * p.n;
  if (k >= nn) { return; }
  let i = k / p.n;
  let j = k - i * p.n;
  var v = probs[k] + probs[nn + k];
  if (i == j) { v -= 2.0; }
  g[k] = exp(-logTau[0]) * p.c * v;
}

@compute @workgroup_size(WG)
fn add_img(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
           @builtin(local_invocation_index) lid: u32) {
  let k = (wid.x + wid.y * nwg.x) * WG + lid;
  if (k < p.n * p.d) { dImg[k] += tmp[k]; }
}

@compute @workgroup_size(WG)
fn tau_grad(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var k = lid; k < p.n * p.d; k += WG) { acc += img[k] * tmp[k]; }
  red[lid] = acc;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  if (lid == 0u) { dLogTau[0] -= red[0]; }
}
