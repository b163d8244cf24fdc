// Generic element-wise template. elementwise.ts replaces the two markers with bindings and
// a body generated from one row of ops.ts:
//   forward:  out[i] = f(a, b, s)
//   backward: g_j[i] += d · ∂f/∂input_j(a, b, s)      (accumulates; absent grads not bound)
// One element per thread; flat index = gid.x + gid.y · (nwg.x · 256) (ctx.grid for > 65535 groups).
struct P { n: u32, s: f32 }
@group(0) @binding(0) var<uniform> p: P;
//BINDINGS

// exp() of a non-positive argument never overflows (WGSL leaves overflow indeterminate).
fn sigmoid(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}
fn silu(x: f32) -> f32 { return x * sigmoid(x); }
fn dsilu(x: f32) -> f32 { let g = sigmoid(x); return g * (1.0 + x * (1.0 - g)); }
// tanh's argument is clamped: tanh(±10) is ±1 in f32, and some implementations return NaN
// for tanh of large arguments (exp overflow in (e^2u − 1)/(e^2u + 1)).
const GK = 0.7978845608028654;   // √(2/π)
const GC = 0.044715;
fn gelu_t(x: f32) -> f32 { return tanh(clamp(GK * (x + GC * x * x * x), -10.0, 10.0)); }
fn gelu_tanh(x: f32) -> f32 { return 0.5 * x * (1.0 + gelu_t(x)); }
fn dgelu_tanh(x: f32) -> f32 {
  let t = gelu_t(x);
  // for |x| > 10, t = ±1 exactly and the tail is 0 — but 0·x² would be NaN once x² overflows
  let tail = 0.5 * x * (1.0 - t * t) * GK * (1.0 + 3.0 * GC * x * x);
  return 0.5 * (1.0 + t) + select(tail, 0.0, abs(x) > 10.0);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * 256u;
  if (i >= p.n) { return; }
  let s = p.s;
  //BODY
}
