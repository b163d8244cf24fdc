// Fused AdamW update of one tensor, PyTorch semantics (torch.optim.AdamW, non-amsgrad,
// _single_tensor_adamw), with the global-norm clip coefficient applied to the gradient first:
//   g  = grad · clipScale[0]                       (torch.nn.utils.clip_grad_norm_)
//   p ← p · (1 − lr·wd)                            (decoupled weight decay)
//   m ← β1·m + (1 − β1)·g
//   v ← β2·v + (1 − β2)·g²
//   p ← p − (lr / bc1) · m / (sqrt(v)/sqrt(bc2) + eps),  bc1 = 1 − β1^t, bc2 = 1 − β2^t
// The bias corrections are computed on the CPU in float64 (step t is known there).
// clipScale[0] < 0 (clipScaleGuarded: the step had a NaN/Inf) skips the update entirely.
// One thread per element; 2-D grid flattening for tensors above 65535·256 elements.
const WG = 256u;
struct P { n: u32, lr: f32, beta1: f32, beta2: f32, eps: f32, decay: f32, stepSize: f32, bc2Sqrt: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> param: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
@group(0) @binding(5) var<storage, read> clipScale: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  let s = clipScale[0];
  if (i >= p.n || s < 0.0) { return; }
  let g = grad[i] * s;
  let w = param[i] * p.decay; // decay = 1 − lr·wd
  let mi = p.beta1 * m[i] + (1.0 - p.beta1) * g;
  let vi = p.beta2 * v[i] + (1.0 - p.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  let denom = sqrt(vi) / p.bc2Sqrt + p.eps;
  param[i] = w - p.stepSize * (mi / denom);
}
