// CPU reference for cross_entropy.ts: the plain, unchunked definition (full logits row per
// token), so the GPU's chunking and online logsumexp are checked against something that has
// neither. float64 when given Float64Array.
//   z = h·Wᵀ [n,v]; lse_i = logsumexp_j z[i,j]; loss = Σ_{valid i} (lse_i − z[i,label_i]) / #valid
import type { Vec } from '../../testing/compare.ts';

export const IGNORE_INDEX = -100;

export interface CrossEntropyRefDims {
  n: number;
  hidden: number;
  vocab: number;
}

function rowLogits(h: Vec, W: Vec, i: number, { hidden, vocab }: CrossEntropyRefDims): Float64Array {
  const z = new Float64Array(vocab);
  for (let j = 0; j < vocab; j++) {
    let s = 0;
    for (let k = 0; k < hidden; k++) s += h[i * hidden + k] * W[j * hidden + k];
    z[j] = s;
  }
  return z;
}

function logsumexp(z: Float64Array): number {
  let mx = -Infinity;
  for (const x of z) mx = Math.max(mx, x);
  let s = 0;
  for (const x of z) s += Math.exp(x - mx);
  return mx + Math.log(s);
}

export function crossEntropyForwardRef(lossOut: Vec, lse: Vec, h: Vec, W: Vec, labels: Int32Array, dims: CrossEntropyRefDims): void {
  let total = 0;
  let count = 0;
  for (let i = 0; i < dims.n; i++) {
    const z = rowLogits(h, W, i, dims);
    lse[i] = logsumexp(z);
    if (labels[i] === IGNORE_INDEX) continue;
    count++;
    const lab = labels[i];
    total += lab >= 0 && lab < dims.vocab ? lse[i] - z[lab] : NaN;
  }
  lossOut[0] = count ? total / count : 0;
}

export function crossEntropyBackwardRef(
  grads: { dh: Vec | null; dW: Vec | null }, dLoss: number, h: Vec, W: Vec, labels: Int32Array, lse: Vec, dims: CrossEntropyRefDims,
): void {
  const { n, hidden, vocab } = dims;
  let count = 0;
  for (let i = 0; i < n; i++) if (labels[i] !== IGNORE_INDEX) count++;
  if (!count) return;
  for (let i = 0; i < n; i++) {
    if (labels[i] === IGNORE_INDEX) continue;
    const z = rowLogits(h, W, i, dims);
    for (let j = 0; j < vocab; j++) {
      const dz = ((Math.exp(z[j] - lse[i]) - (j === labels[i] ? 1 : 0)) * dLoss) / count;
      for (let k = 0; k < hidden; k++) {
        if (grads.dh) grads.dh[i * hidden + k] += dz * W[j * hidden + k];
        if (grads.dW) grads.dW[j * hidden + k] += dz * h[i * hidden + k];
      }
    }
  }
}
