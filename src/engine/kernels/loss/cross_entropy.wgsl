// Chunked cross-entropy forward over a large vocabulary. The launcher loops over vocab chunks
// [v0, v0+cols): logits [n, cols] = h·W_cᵀ (matmul), then `update` folds the chunk into a
// running state per row (online logsumexp, as in flash attention):
//   state[0·n + i] = running max m_i, state[1·n + i] = Σ exp(z − m_i), state[2·n + i] = z[label]
// `finish` turns it into lse [n] and loss = Σ_valid (lse − z[label]) / #valid  (0 if none valid).
// Labels: i32, −100 = ignore. A label outside [0, V) that is not −100 makes the loss NaN
// (caught by nonFiniteCheck) instead of being silently dropped.
const WG = 64u;
const NEG_BIG = -3.4e38;
struct P { n: u32, cols: u32, v0: u32, vocab: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> state: array<f32>;   // [3, n]
@group(0) @binding(2) var<storage, read_write> lse: array<f32>;     // [n]
@group(0) @binding(3) var<storage, read_write> lossOut: array<f32>; // [1]
@group(0) @binding(4) var<storage, read> logits: array<f32>;        // [n, cols]
@group(0) @binding(5) var<storage, read> labels: array<i32>;        // [n]
var<workgroup> red: array<f32, WG>;

fn reduce_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier(); // red is reused by the next reduce_sum
  return r;
}

@compute @workgroup_size(WG)
fn init(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * WG;
  if (i >= p.n) { return; }
  state[i] = NEG_BIG;
  state[p.n + i] = 0.0;
  state[2u * p.n + i] = 0.0;
}

// One workgroup per row; a single pass over the chunk: every thread keeps its own online
// (max, sum) pair, then the pairs are merged in a tree (max-rescaled sums).
var<workgroup> redm: array<f32, WG>;
@compute @workgroup_size(WG)
fn update(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
          @builtin(local_invocation_index) lid: u32) {
  let i = wid.x + wid.y * nwg.x;
  if (i >= p.n) { return; }
  let base = i * p.cols;
  var m = NEG_BIG;
  var s = 0.0;
  for (var c = lid; c < p.cols; c += WG) {
    let z = logits[base + c];
    if (z > m) { s *= exp(m - z); m = z; }
    s += exp(z - m);
  }
  redm[lid] = m;
  red[lid] = s;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) {
      let m1 = redm[lid];
      let m2 = redm[lid + k];
      let nm = max(m1, m2);
      red[lid] = red[lid] * exp(m1 - nm) + red[lid + k] * exp(m2 - nm);
      redm[lid] = nm;
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    let cm = redm[0];
    let m0 = state[i];
    let nm = max(m0, cm);
    state[p.n + i] = state[p.n + i] * exp(m0 - nm) + red[0] * exp(cm - nm);
    state[i] = nm;
    let l = labels[i] - i32(p.v0);
    if (l >= 0 && l < i32(p.cols)) { state[2u * p.n + i] = logits[base + u32(l)]; }
  }
}

// One workgroup: lse for every row, then the deterministic mean over valid rows.
@compute @workgroup_size(WG)
fn finish(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  var cnt = 0.0;
  for (var i = lid; i < p.n; i += WG) {
    let l = state[i] + log(state[p.n + i]);
    lse[i] = l;
    let lab = labels[i];
    if (lab != -100) {
      cnt += 1.0;
      if (lab >= 0 && lab < i32(p.vocab)) { acc += l - state[2u * p.n + i]; }
      // NaN for an invalid label; built at run time (a constant NaN is a WGSL compile error)
      else { acc += bitcast<f32>(0x7fc00000u | (u32(lab) & 0u)); }
    }
  }
  let total = reduce_sum(lid, acc);
  let count = reduce_sum(lid, cnt);
  if (lid == 0u) { lossOut[0] = select(0.0, total / count, count > 0.0); }
}
