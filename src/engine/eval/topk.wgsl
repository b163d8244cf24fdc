// Similarity + top-k. Two entry points share the per-thread list and the workgroup merge.
//
//  score: workgroup (x = group within this gallery pass, y = query q). Its threads cover
//         rows [x·ROWS_PER_WG, +ROWS_PER_WG) of the gallery pass, each keeping a private
//         sorted top-K of dot(query q, row); the WG lists are merged by a tree of pairwise
//         merges in workgroup memory; thread 0 writes K candidates to the partial buffers at
//         (q·totalGroups + groupBase + x)·K.
//  merge: workgroup (x = q). Reads the totalGroups·K candidates of query q, same list +
//         tree merge, writes the final K to out[q·K ..].
//
// Order everywhere: higher score first, ties to the LOWER gallery index (as topk.ts).
// Empty slots hold (LOWEST, 0xffffffff), which every real candidate beats; the host maps
// index 0xffffffff to -1. Trap: WG must be a power of two (tree merge).

override WG: u32 = 16;
override K: u32 = 10;            // k, 1..MAX_K: sizes workgroup memory only; loops use p.k (== K)
override ROWS_PER_WG: u32 = 256;
const MAX_K: u32 = 32;
const LOWEST: f32 = -0x1.fffffep+127f; // lowest finite f32
const NONE: u32 = 0xffffffffu;

struct Params {
  D: u32,            // embedding width
  rows: u32,         // gallery rows in this pass
  groupBase: u32,    // index of this pass's first group among all groups
  totalGroups: u32,  // groups over all passes = candidates per query / K
  indexBase: u32,    // global index of this pass's first gallery row
  k: u32,           // list length actually used (≤ K); a runtime value so loops are not unrolled
  _pad1: u32, _pad2: u32,
};

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read> queries: array<f32>;         // [Q, D]
@group(0) @binding(2) var<storage, read> gallery: array<f32>;         // [rows, D] of this pass
@group(0) @binding(3) var<storage, read_write> partS: array<f32>;     // [Q, totalGroups, K]
@group(0) @binding(4) var<storage, read_write> partI: array<u32>;     // [Q, totalGroups, K]
@group(0) @binding(5) var<storage, read> candS: array<f32>;           // merge input (= partS)
@group(0) @binding(6) var<storage, read> candI: array<u32>;
@group(0) @binding(7) var<storage, read_write> outS: array<f32>;      // [Q, K]
@group(0) @binding(8) var<storage, read_write> outI: array<u32>;      // [Q, K]

var<private> ls: array<f32, MAX_K>;
var<private> li: array<u32, MAX_K>;
var<workgroup> wS: array<f32, WG * K>;
var<workgroup> wI: array<u32, WG * K>;

fn better(sa: f32, ia: u32, sb: f32, ib: u32) -> bool {
  return sa > sb || (sa == sb && ia < ib);
}

fn clearList() {
  for (var j = 0u; j < p.k; j++) { ls[j] = LOWEST; li[j] = NONE; }
}

// Insert into the private sorted list (insertion sort step; K is small).
fn insert(s: f32, i: u32) {
  if (!better(s, i, ls[p.k - 1u], li[p.k - 1u])) { return; }
  var j = p.k - 1u;
  while (j > 0u && better(s, i, ls[j - 1u], li[j - 1u])) {
    ls[j] = ls[j - 1u];
    li[j] = li[j - 1u];
    j--;
  }
  ls[j] = s;
  li[j] = i;
}

// Publish private lists, then halve the number of lists each round: thread t < s merges
// lists t and t+s (two-pointer, first K) into its private list, then writes it back.
// Barriers sit outside the `if` so control flow stays uniform. Result: list 0 in wS/wI.
fn treeMerge(t: u32) {
  for (var j = 0u; j < p.k; j++) { wS[t * p.k + j] = ls[j]; wI[t * p.k + j] = li[j]; }
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s = s / 2u) {
    if (t < s) {
      var a = t * p.k;
      var b = (t + s) * p.k;
      let aEnd = a + p.k;
      let bEnd = b + p.k;
      for (var j = 0u; j < p.k; j++) {
        let takeA = b >= bEnd || (a < aEnd && better(wS[a], wI[a], wS[b], wI[b]));
        if (takeA) { ls[j] = wS[a]; li[j] = wI[a]; a++; } else { ls[j] = wS[b]; li[j] = wI[b]; b++; }
      }
    }
    workgroupBarrier();
    if (t < s) {
      for (var j = 0u; j < p.k; j++) { wS[t * p.k + j] = ls[j]; wI[t * p.k + j] = li[j]; }
    }
    workgroupBarrier();
  }
}

@compute @workgroup_size(WG)
fn score(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let q = g.y;
  clearList();
  let first = g.x * ROWS_PER_WG;
  let last = min(first + ROWS_PER_WG, p.rows);
  for (var r = first + t; r < last; r += WG) {
    var acc = 0.0;
    for (var d = 0u; d < p.D; d++) { acc += queries[q * p.D + d] * gallery[r * p.D + d]; }
    insert(acc, p.indexBase + r);
  }
  treeMerge(t);
  // k may exceed WG: stride the write-out.
  for (var j = t; j < p.k; j += WG) {
    let o = (q * p.totalGroups + p.groupBase + g.x) * p.k + j;
    partS[o] = wS[j];
    partI[o] = wI[j];
  }
}

@compute @workgroup_size(WG)
fn merge(@builtin(workgroup_id) g: vec3<u32>, @builtin(local_invocation_index) t: u32) {
  let q = g.x;
  clearList();
  let n = p.totalGroups * p.k;
  for (var c = t; c < n; c += WG) { insert(candS[q * n + c], candI[q * n + c]); }
  treeMerge(t);
  for (var j = t; j < p.k; j += WG) {
    outS[q * p.k + j] = wS[j];
    outI[q * p.k + j] = wI[j];
  }
}
