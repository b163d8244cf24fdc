// Global gradient norm, two deterministic phases (no atomics, fixed summation order):
//  partials: workgroup k of a tensor sums the squares of elements [k·CHUNK, (k+1)·CHUNK) and
//            writes partials[off + k];
//  final:    one workgroup sums partials[0..count) (strided per thread, then a tree) and
//            ACCUMULATES into normSq[0] (the caller zeroes it once per step).
//  clip:     scale[0] = min(1, maxNorm / (sqrt(normSq[0]) + 1e-6))  (clip_grad_norm_).
//  clip_guarded: the same, or −1 when the step's NaN/Inf flag (nonfinite.wgsl) is set — a
//            negative scale makes adamw.wgsl leave param, m and v untouched, so the update
//            can be encoded in the same submit as the check it depends on.
const WG = 256u;
const PER_THREAD = 8u; // CHUNK = 2048 elements per workgroup (keep in sync with grad_norm.ts)
struct P { n: u32, off: u32, maxNorm: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
var<workgroup> red: array<f32, WG>;

fn reduce(lid: u32, s: f32) -> f32 {
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  return red[0];
}

@compute @workgroup_size(WG)
fn partials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
            @builtin(local_invocation_index) lid: u32) {
  let k = wid.x + wid.y * nwg.x;
  let base = k * WG * PER_THREAD;
  var s = 0.0;
  for (var t = 0u; t < PER_THREAD; t++) {
    let i = base + t * WG + lid; // coalesced
    if (i < p.n) { let g = x[i]; s += g * g; }
  }
  let total = reduce(lid, s);
  if (lid == 0u) { out[p.off + k] = total; }
}

// x = partials (count p.n), out = normSq [1]
@compute @workgroup_size(WG)
fn final_sum(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < p.n; i += WG) { s += x[i]; }
  let total = reduce(lid, s);
  if (lid == 0u) { out[0] += total; }
}

// x = normSq [1], out = scale [1]
@compute @workgroup_size(1)
fn clip() {
  out[0] = min(1.0, p.maxNorm / (sqrt(x[0]) + 1e-6));
}

@group(0) @binding(3) var<storage, read> flag: array<u32>;

// x = normSq [1], out = scale [1], flag = nonFiniteCheck's u32 [1]
@compute @workgroup_size(1)
fn clip_guarded() {
  if (flag[0] != 0u) { out[0] = -1.0; return; }
  out[0] = min(1.0, p.maxNorm / (sqrt(x[0]) + 1e-6));
}
