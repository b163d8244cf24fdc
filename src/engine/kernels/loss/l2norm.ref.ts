// CPU reference for l2norm.ts (same argument order; shapes passed explicitly). Runs in float64
// when given Float64Array, so it doubles as the finite-difference oracle.
import type { Vec } from '../../testing/compare.ts';

/** torch.nn.functional.normalize's default eps. */
export const L2_EPS = 1e-12;

export interface L2RefDims {
  n: number;
  d: number;
  eps?: number;
}

export function l2NormalizeForwardRef(y: Vec, norm: Vec, x: Vec, { n, d, eps = L2_EPS }: L2RefDims): void {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] ** 2;
    const nrm = Math.sqrt(s);
    norm[i] = nrm;
    const inv = 1 / Math.max(nrm, eps);
    for (let j = 0; j < d; j++) y[i * d + j] = x[i * d + j] * inv;
  }
}

/** dx += (dy − y(y·dy))/‖x‖, or dy/eps where the clamp is active. */
export function l2NormalizeBackwardRef(dx: Vec, dy: Vec, y: Vec, norm: Vec, { n, d, eps = L2_EPS }: L2RefDims): void {
  for (let i = 0; i < n; i++) {
    let yd = 0;
    for (let j = 0; j < d; j++) yd += y[i * d + j] * dy[i * d + j];
    const nrm = norm[i];
    for (let j = 0; j < d; j++) {
      const k = i * d + j;
      dx[k] += nrm > eps ? (dy[k] - y[k] * yd) / nrm : dy[k] / eps;
    }
  }
}
