// The LoRA down-projections of up to 3 modules that share their input (q/k/v read the same
// normed a; gate/up the same m), in ONE dispatch instead of one small GEMM each:
//   U_g = x·A_gᵀ     x [N,K], A_g [r,K], U_g [N,r]   for g = workgroup z < G
// Each thread owns row n and 4 consecutive columns j (clamped for the reads, skipped at the
// store), reads x[n,k] once per k. f32 fma over k in order, like the direct matmul.
// Unused A slots are bound to a0 (read-only), unused U slots to a 1-element scratch: never
// touched (z < G only).
struct P { N: u32, K: u32, r: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> a0: array<f32>;
@group(0) @binding(3) var<storage, read> a1: array<f32>;
@group(0) @binding(4) var<storage, read> a2: array<f32>;
@group(0) @binding(5) var<storage, read_write> u0: array<f32>;
@group(0) @binding(6) var<storage, read_write> u1: array<f32>;
@group(0) @binding(7) var<storage, read_write> u2: array<f32>;

fn read_a(g: u32, i: u32) -> f32 {
  switch (g) {
    case 0u: { return a0[i]; }
    case 1u: { return a1[i]; }
    default: { return a2[i]; }
  }
}

fn write_u(g: u32, i: u32, v: f32) {
  switch (g) {
    case 0u: { u0[i] = v; }
    case 1u: { u1[i] = v; }
    default: { u2[i] = v; }
  }
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let jq = (p.r + 3u) / 4u;                  // column quads per row
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.N * jq) { return; }
  let g = gid.z;
  let n = t / jq;
  let j0 = (t % jq) * 4u;
  let j = min(vec4u(j0) + vec4u(0u, 1u, 2u, 3u), vec4u(p.r - 1u));
  var acc = vec4f();
  for (var k = 0u; k < p.K; k++) {
    let xv = x[n * p.K + k];
    let av = vec4f(read_a(g, j.x * p.K + k), read_a(g, j.y * p.K + k), read_a(g, j.z * p.K + k), read_a(g, j.w * p.K + k));
    acc = fma(vec4f(xv), av, acc);
  }
  for (var q = 0u; q < 4u; q++) {
    if (j0 + q < p.r) { write_u(g, n * p.r + j0 + q, acc[q]); }
  }
}
