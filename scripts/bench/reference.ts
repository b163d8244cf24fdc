// Float64 CPU reference of the benchmarked linear layers on a few sampled rows, so every
// implementation (ours included) is checked against an independent answer without paying
// for a full N×in×out product on the CPU. Pure: runs in Node (tests) and in the page.

import type { LinearData } from './peers/peer.ts';

/** Rows checked against the reference: first, last and a few spread between. */
export function sampleRows(n: number, count = 6): number[] {
  const rows = new Set<number>([0, n - 1]);
  for (let i = 1; rows.size < Math.min(n, count) && i < count * 4; i++) rows.add(Math.floor((i * n) / count) % n);
  return [...rows].sort((a, b) => a - b);
}

/** y[r,:] for each sampled row r, float64: x·Wᵀ (+ scale·(x·Aᵀ)·Bᵀ for LoRA). Returns
 * [rows.length, outF] row-major. */
export function referenceRows(d: LinearData, rows: readonly number[]): Float64Array {
  const { inF, outF, rank, scale, kind } = d.spec;
  const out = new Float64Array(rows.length * outF);
  const u = new Float64Array(rank);
  rows.forEach((r, ri) => {
    const xr = r * inF;
    if (kind === 'lora') {
      for (let k = 0; k < rank; k++) {
        let s = 0;
        for (let i = 0; i < inF; i++) s += d.x[xr + i] * d.a[k * inF + i];
        u[k] = s;
      }
    }
    for (let o = 0; o < outF; o++) {
      let s = 0;
      for (let i = 0; i < inF; i++) s += d.x[xr + i] * d.w[o * inF + i];
      if (kind === 'lora') {
        let l = 0;
        for (let k = 0; k < rank; k++) l += u[k] * d.b[o * rank + k];
        s += scale * l;
      }
      out[ri * outF + o] = s;
    }
  });
  return out;
}

/** max |y[rows[i], :] − ref[i, :]|; NaN anywhere in y gives Infinity (never "agrees"). */
export function maxAbsDiffRows(y: ArrayLike<number>, ref: Float64Array, rows: readonly number[], outF: number): number {
  let m = 0;
  rows.forEach((r, ri) => {
    for (let o = 0; o < outF; o++) {
      const d = Math.abs(y[r * outF + o] - ref[ri * outF + o]);
      m = Number.isNaN(d) ? Infinity : Math.max(m, d);
    }
  });
  return m;
}

/** max |a − b| over whole arrays of equal length (Infinity on NaN or length mismatch). */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (Number.isNaN(d)) return Infinity;
    if (d > m) m = d;
  }
  return m;
}

export function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}
