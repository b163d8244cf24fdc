// Sets bit `bit` of flag[0] when any element of x is NaN or ±Inf. The test is on the bits
// (exponent all ones), because WGSL lets compilers assume floats are finite, so `x != x` may
// be folded away. Many threads may hit: atomicOr makes that well defined.
const WG = 256u;
struct P { n: u32, bit: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> flag: array<atomic<u32>>;
@group(0) @binding(2) var<storage, read> x: array<u32>; // f32 data read as raw bits

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let i = (wid.x + wid.y * nwg.x) * WG + lid;
  if (i >= p.n) { return; }
  if ((x[i] & 0x7f800000u) == 0x7f800000u) { atomicOr(&flag[0], 1u << p.bit); }
}
