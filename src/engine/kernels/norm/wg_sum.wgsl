// Shared by the norm kernels (the launchers prepend it to each shader): one workgroup of WG
// threads per row and a tree reduction over workgroup memory. Call from uniform control flow.
const WG = 64u;   // 64 per row: 10–20× faster than 256 on SwiftShader (barrier cost), fine on GPUs

var<workgroup> red: array<vec2f, WG>;

fn wg_sum2(v: vec2f, t: u32) -> vec2f {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s >> 1u) {
    if (t < s) { red[t] = red[t] + red[t + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

fn wg_sum(v: f32, t: u32) -> f32 { return wg_sum2(vec2f(v, 0.0), t).x; }
