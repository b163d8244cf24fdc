// dB of TWO LoRA modules of equal shape (k/v, gate/up) in one dispatch (accumulates):
//   dB_z += s · dy_zᵀ·u_z     dy_z [N,O], u_z [N,r] (= x·A_zᵀ, saved), dB_z [O,r]   z < Z (1 or 2)
// Each thread owns row o of dB_z and 4 consecutive columns j (clamped reads, skipped stores);
// the sum over the N rows runs in order with fma, like the direct matmul's transposed-A path.
// An unused second slot reads dy0/u0 and writes a 1-element scratch (never touched: z < Z).
// Trap: dB is read then written (beta = 1).
struct P { N: u32, O: u32, r: u32, s: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read> dy0: array<f32>;
@group(0) @binding(2) var<storage, read> dy1: array<f32>;
@group(0) @binding(3) var<storage, read> u0: array<f32>;
@group(0) @binding(4) var<storage, read> u1: array<f32>;
@group(0) @binding(5) var<storage, read_write> d0: array<f32>;
@group(0) @binding(6) var<storage, read_write> d1: array<f32>;

fn read_dy(z: u32, i: u32) -> f32 {
  if (z == 0u) { return dy0[i]; }
  return dy1[i];
}
fn read_u(z: u32, i: u32) -> f32 {
  if (z == 0u) { return u0[i]; }
  return u1[i];
}

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let jq = (p.r + 3u) / 4u;
  let t = gid.x + gid.y * nwg.x * 64u;
  if (t >= p.O * jq) { return; }
  let z = gid.z;
  let o = t / jq;
  let j0 = (t % jq) * 4u;
  let j = min(vec4u(j0) + vec4u(0u, 1u, 2u, 3u), vec4u(p.r - 1u));
  var acc = vec4f();
  for (var n = 0u; n < p.N; n++) {
    let d = read_dy(z, n * p.O + o);
    let row = n * p.r;
    acc = fma(vec4f(d), vec4f(read_u(z, row + j.x), read_u(z, row + j.y), read_u(z, row + j.z), read_u(z, row + j.w)), acc);
  }
  for (var q = 0u; q < 4u; q++) {
    if (j0 + q < p.r) {
      let i = o * p.r + j0 + q;
      if (z == 0u) { d0[i] += p.s * acc[q]; } else { d1[i] += p.s * acc[q]; }
    }
  }
}
