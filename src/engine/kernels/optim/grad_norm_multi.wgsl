// grad_norm.wgsl `partials` over up to 7 gradient tensors in ONE dispatch (dispatch economy:
// one per 7 trainables instead of one per trainable). Workgroup k (flat) belongs to tensor j
// with end[j-1] ≤ k < end[j] (end = cumulative workgroup counts, ascending) and sums the
// squares of that tensor's elements [(k − end[j-1])·CHUNK, …+CHUNK); it writes
// partials[off + k] — exactly the partial the one-tensor kernel writes for the same
// (tensor, chunk), so grad_norm_final sums the same values in the same order: bit-identical.
// Unused slots are bound to x0 and never read (their end equals the previous one).
const WG = 256u;
const PER_THREAD = 8u; // CHUNK = 2048, as grad_norm.wgsl
struct P { n: array<vec4u, 2>, end: array<vec4u, 2>, off: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x0: array<f32>;
@group(0) @binding(3) var<storage, read> x1: array<f32>;
@group(0) @binding(4) var<storage, read> x2: array<f32>;
@group(0) @binding(5) var<storage, read> x3: array<f32>;
@group(0) @binding(6) var<storage, read> x4: array<f32>;
@group(0) @binding(7) var<storage, read> x5: array<f32>;
@group(0) @binding(8) var<storage, read> x6: array<f32>;
var<workgroup> red: array<f32, WG>;

fn load(j: u32, i: u32) -> f32 {
  switch (j) {
    case 0u: { return x0[i]; }
    case 1u: { return x1[i]; }
    case 2u: { return x2[i]; }
    case 3u: { return x3[i]; }
    case 4u: { return x4[i]; }
    case 5u: { return x5[i]; }
    default: { return x6[i]; }
  }
}

fn at(a: array<vec4u, 2>, j: u32) -> u32 { return a[j / 4u][j % 4u]; }

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x;
  var j = 0u;
  while (j < 6u && k >= at(p.end, j)) { j++; } // uniform per workgroup
  var start = 0u;
  if (j > 0u) { start = at(p.end, j - 1u); }
  let n = at(p.n, j);
  let base = (k - start) * WG * PER_THREAD;
  var s = 0.0;
  for (var t = 0u; t < PER_THREAD; t++) {
    let i = base + t * WG + lid; // coalesced
    if (i < n) { let g = load(j, i); s += g * g; }
  }
  red[lid] = s;
  workgroupBarrier();
  for (var h = WG / 2u; h > 0u; h >>= 1u) {
    if (lid < h) { red[lid] += red[lid + h]; }
    workgroupBarrier();
  }
  if (lid == 0u && k < at(p.end, 6u)) { out[p.off + k] = red[0]; }
}
