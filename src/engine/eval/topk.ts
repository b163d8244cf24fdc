// Top-k over rows of a score matrix. Order: higher score first; ties broken by LOWER index.
// NaN is treated as -Infinity so it never outranks a real score.
// (A WebGPU similarity + top-k lived in topk_gpu.ts; it lost to this CPU path at every size
// measured — 7–25× slower on this machine's WebGPU for Q = 1…256, N = 1e3…1e5, D = 64 — and
// was removed; the measuring script is scripts/bench/topk/topk.ts at commit 5f5ac45.)

export interface TopK {
  /** [rows, k] row-major; -1 where a row has fewer than k columns. */
  indices: Int32Array;
  /** [rows, k]; -Infinity in padded slots. */
  scores: Float32Array;
  k: number;
}

/** Does (sa, ia) rank before (sb, ib)? */
export function ranksBefore(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa > sb || (sa === sb && ia < ib);
}

/** sim: [rows, cols] row-major. O(rows · cols · k) insertion, fine for k ≤ ~100. */
export function topK(sim: Float32Array | Float64Array, rows: number, cols: number, k: number): TopK {
  if (sim.length !== rows * cols) throw new RangeError(`topK: sim has ${sim.length} values, expected ${rows}×${cols}`);
  if (!(k >= 1)) throw new RangeError(`topK: k must be ≥ 1, got ${k}`);
  const indices = new Int32Array(rows * k).fill(-1);
  const scores = new Float32Array(rows * k).fill(-Infinity);
  const s = new Float64Array(k);
  const ix = new Int32Array(k);
  for (let r = 0; r < rows; r++) {
    s.fill(-Infinity);
    ix.fill(-1);
    let filled = 0;
    for (let c = 0; c < cols; c++) {
      let v = sim[r * cols + c];
      if (Number.isNaN(v)) v = -Infinity;
      // Columns arrive in increasing index, so an equal score never displaces an earlier one.
      if (filled === k && !(v > s[k - 1])) continue;
      let j = Math.min(filled, k - 1);
      while (j > 0 && v > s[j - 1]) {
        s[j] = s[j - 1];
        ix[j] = ix[j - 1];
        j--;
      }
      s[j] = v;
      ix[j] = c;
      if (filled < k) filled++;
    }
    for (let j = 0; j < filled; j++) {
      indices[r * k + j] = ix[j];
      scores[r * k + j] = s[j];
    }
  }
  return { indices, scores, k };
}

/** Dot-product similarity [Q, N] of queries [Q, D] against a gallery [N, D] (f32 accumulate order: d ascending). */
export function similarity(queries: Float32Array, gallery: Float32Array, Q: number, N: number, D: number): Float32Array {
  const out = new Float32Array(Q * N);
  for (let q = 0; q < Q; q++)
    for (let n = 0; n < N; n++) {
      let acc = 0;
      for (let d = 0; d < D; d++) acc += queries[q * D + d] * gallery[n * D + d];
      out[q * N + n] = acc;
    }
  return out;
}
