// CPU reference for infonce.ts (same argument order, shapes and logTau passed explicitly;
// float64 when given Float64Array). Definitions, for img, txt [n,d]:
//   tau = exp(logTau);  z = img·txtᵀ / tau  [n,n]
//   loss = ½·( mean_i CE(z[i,:], i) + mean_j CE(z[:,j], j) )
//   probs [2,n,n]: probs[0] = softmax over each row of z, probs[1] = softmax over each column.
import type { Vec } from '../../testing/compare.ts';

export interface InfoNceRefDims {
  n: number;
  d: number;
  logTau: number;
}

/** Default temperature of VladVA: fixed tau = 0.05. */
export const DEFAULT_LOG_TAU = Math.log(0.05);

export function infoNceForwardRef(lossOut: Vec, probs: Vec, img: Vec, txt: Vec, { n, d, logTau }: InfoNceRefDims): void {
  const s = Math.exp(-logTau);
  const z = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let k = 0; k < d; k++) acc += img[i * d + k] * txt[j * d + k];
      z[i * n + j] = acc * s;
    }
  }
  let total = 0;
  for (const dir of [0, 1]) {
    // dir 0: rows (element (i, j) at i·n + j); dir 1: columns (element (j, i) at j·n + i)
    const at = (a: number, b: number) => (dir === 0 ? a * n + b : b * n + a);
    for (let a = 0; a < n; a++) {
      let mx = -Infinity;
      for (let b = 0; b < n; b++) mx = Math.max(mx, z[at(a, b)]);
      let sum = 0;
      for (let b = 0; b < n; b++) sum += Math.exp(z[at(a, b)] - mx);
      const lse = mx + Math.log(sum);
      for (let b = 0; b < n; b++) probs[dir * n * n + at(a, b)] = Math.exp(z[at(a, b)] - lse);
      total += lse - z[a * n + a];
    }
  }
  lossOut[0] = total / (2 * n);
}

export interface InfoNceGradsRef {
  dImg: Vec;
  dTxt: Vec;
  dLogTau: Vec | null;
}

/** Accumulates dLoss·∂loss/∂(img, txt, logTau) into the given gradients. */
export function infoNceBackwardRef(grads: InfoNceGradsRef, dLoss: number, img: Vec, txt: Vec, probs: Vec, { n, d, logTau }: InfoNceRefDims): void {
  const s = Math.exp(-logTau);
  const c = dLoss / (2 * n);
  let dTau = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const dz = c * (probs[i * n + j] + probs[n * n + i * n + j] - (i === j ? 2 : 0));
      let sim = 0;
      for (let k = 0; k < d; k++) {
        grads.dImg[i * d + k] += dz * s * txt[j * d + k];
        grads.dTxt[j * d + k] += dz * s * img[i * d + k];
        sim += img[i * d + k] * txt[j * d + k];
      }
      dTau -= dz * sim * s; // ∂z/∂logTau = −z
    }
  }
  if (grads.dLogTau) grads.dLogTau[0] += dTau;
}
