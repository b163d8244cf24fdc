// The LoRA dA of up to 3 modules that share their input x, in ONE dispatch (accumulates):
//   dA_g += s · G_gᵀ·x     G_g = dy_g·B_g [N,r], x [N,K], dA_g [r,K]   for g = workgroup z < G
// Each thread owns row j of dA_g and 4 consecutive columns k (clamped for the reads, skipped
// at the store); the sum over the N rows runs in order with fma, like the direct matmul's
// transposed-A path. Unused G slots are bound to g0, unused dA slots to a 1-element scratch.
// Trap: dA is read then written (beta = 1); its pooled buffer is zeroed by the trainer.
struct P { N: u32, K: u32, r: u32, s: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> g0: array<f32>;
@group(0) @binding(3) var<storage, read> g1: array<f32>;
@group(0) @binding(4) var<storage, read> g2: array<f32>;
@group(0) @binding(5) var<storage, read_write> d0: array<f32>;
@group(0) @binding(6) var<storage, read_write> d1: array<f32>;
@group(0) @binding(7) var<storage, read_write> d2: array<f32>;

fn read_g(g: u32, i: u32) -> f32 {
  switch (g) {
    case 0u: { return g0[i]; }
    case 1u: { return g1[i]; }
    default: { return g2[i]; }
  }
}

fn add_d(g: u32, i: u32, v: f32) {
  switch (g) {
    case 0u: { d0[i] += v; }
    case 1u: { d1[i] += v; }
    default: { d2[i] += v; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let kq = (p.K + 3u) / 4u;                  // column quads per row of dA
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.r * kq) { return; }
  let g = gid.z;
  let j = t / kq;
  let k0 = (t % kq) * 4u;
  let k = min(vec4u(k0) + vec4u(0u, 1u, 2u, 3u), vec4u(p.K - 1u));
  var acc = vec4f();
  for (var n = 0u; n < p.N; n++) {
    let gv = read_g(g, n * p.r + j);
    let o = n * p.K;
    acc = fma(vec4f(gv), vec4f(x[o + k.x], x[o + k.y], x[o + k.z], x[o + k.w]), acc);
  }
  for (var q = 0u; q < 4u; q++) {
    if (k0 + q < p.K) { add_d(g, j * p.K + k0 + q, p.s * acc[q]); }
  }
}
