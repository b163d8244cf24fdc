// g = dy·B of TWO LoRA modules of equal shape (k/v, gate/up) in one dispatch:
//   G_z = dy_z·B_z      dy_z [N,O], B_z [O,r], G_z [N,r]   for z = workgroup z < Z (1 or 2)
// Each thread owns row n and 4 consecutive columns j (clamped reads, skipped stores); the
// sum over o runs in order with fma, like the direct matmul. Overwrites G.
// An unused second slot reads dy0/B0 and writes a 1-element scratch (never touched: z < Z).
struct P { N: u32, O: u32, r: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> dy0: array<f32>;
@group(0) @binding(2) var<storage, read> dy1: array<f32>;
@group(0) @binding(3) var<storage, read> b0: array<f32>;
@group(0) @binding(4) var<storage, read> b1: array<f32>;
@group(0) @binding(5) var<storage, read_write> g0: array<f32>;
@group(0) @binding(6) var<storage, read_write> g1: array<f32>;

fn read_dy(z: u32, i: u32) -> f32 {
  if (z == 0u) { return dy0[i]; }
  return dy1[i];
}
fn read_b(z: u32, i: u32) -> f32 {
  if (z == 0u) { return b0[i]; }
  return b1[i];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let jq = (p.r + 3u) / 4u;
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.N * jq) { return; }
  let z = gid.z;
  let n = t / jq;
  let j0 = (t % jq) * 4u;
  let j = min(vec4u(j0) + vec4u(0u, 1u, 2u, 3u), vec4u(p.r - 1u));
  var acc = vec4f();
  for (var o = 0u; o < p.O; o++) {
    let d = read_dy(z, n * p.O + o);
    let row = o * p.r;
    acc = fma(vec4f(d), vec4f(read_b(z, row + j.x), read_b(z, row + j.y), read_b(z, row + j.z), read_b(z, row + j.w)), acc);
  }
  for (var q = 0u; q < 4u; q++) {
    if (j0 + q < p.r) {
      if (z == 0u) { g0[n * p.r + j0 + q] = acc[q]; } else { g1[n * p.r + j0 + q] = acc[q]; }
    }
  }
}
