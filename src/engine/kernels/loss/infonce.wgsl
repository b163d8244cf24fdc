// Symmetric InfoNCE forward (VladVA / CLIP). S = img·txtᵀ [n,n] is already in probs[0..n²)
// (written by matmul); z = S·exp(−logTau[0]); with lse_r[i] = logsumexp_j z[i,j] and
// lse_c[j] = logsumexp_i z[i,j]:
//   loss = ( Σ_i (lse_r[i] − z[i,i]) + Σ_j (lse_c[j] − z[j,j]) ) / (2n)
// Saved for backward, probs [2,n,n]: probs[0] = row softmax, probs[1] = column softmax.
// Order of entries (one dispatch each): col_softmax (reads S in slot 0, writes slot 1),
// row_softmax (in place on slot 0: each element is read and rewritten by the same thread),
// finish (loss from terms [2n], fixed summation order → deterministic).
const WG = 64u;
struct P { n: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> probs: array<f32>;
@group(0) @binding(2) var<storage, read_write> terms: array<f32>; // [2n]: row terms, col terms
@group(0) @binding(3) var<storage, read> logTau: array<f32>;
@group(0) @binding(4) var<storage, read_write> lossOut: array<f32>;
var<workgroup> red: array<f32, WG>;

fn scale() -> f32 { return exp(-logTau[0]); }

// One thread per column j, online max/sum over i (threads of a warp read consecutive j:
// coalesced). Two passes over the column: statistics, then the normalised probabilities.
@compute @workgroup_size(WG)
fn col_softmax(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let j = gid.x + gid.y * nwg.x * WG;
  let n = p.n;
  if (j >= n) { return; }
  let s = scale();
  var mx = -3.4e38;
  var sum = 0.0;
  for (var i = 0u; i < n; i++) {
    let z = probs[i * n + j] * s;
    if (z > mx) { sum = sum * exp(mx - z); mx = z; }
    sum += exp(z - mx);
  }
  let lse = mx + log(sum);
  for (var i = 0u; i < n; i++) { probs[n * n + i * n + j] = exp(probs[i * n + j] * s - lse); }
  terms[n + j] = lse - probs[j * n + j] * s;
}

fn reduce_max(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] = max(red[lid], red[lid + k]); }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier(); // red is reused right after
  return r;
}

fn reduce_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  workgroupBarrier();
  for (var k = WG / 2u; k > 0u; k >>= 1u) {
    if (lid < k) { red[lid] += red[lid + k]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

// One workgroup per row i.
@compute @workgroup_size(WG)
fn row_softmax(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
               @builtin(local_invocation_index) lid: u32) {
  let i = wid.x + wid.y * nwg.x;
  let n = p.n;
  if (i >= n) { return; }
  let s = scale();
  let base = i * n;
  var mx = -3.4e38;
  for (var j = lid; j < n; j += WG) { mx = max(mx, probs[base + j] * s); }
  mx = reduce_max(lid, mx);
  var sum = 0.0;
  for (var j = lid; j < n; j += WG) { sum += exp(probs[base + j] * s - mx); }
  let lse = mx + log(reduce_sum(lid, sum));
  for (var j = lid; j < n; j += WG) {
    let z = probs[base + j] * s;
    // the diagonal term is taken by the thread that owns element j = i, before it rewrites it
    // (no cross-thread read-after-write on storage, which a workgroupBarrier would not order)
    if (j == i) { terms[i] = lse - z; }
    probs[base + j] = exp(z - lse);
  }
}

@compute @workgroup_size(WG)
fn finish(@builtin(local_invocation_index) lid: u32) {
  var acc = 0.0;
  for (var k = lid; k < 2u * p.n; k += WG) { acc += terms[k]; }
  let total = reduce_sum(lid, acc);
  if (lid == 0u) { lossOut[0] = total / f32(2u * p.n); }
}
