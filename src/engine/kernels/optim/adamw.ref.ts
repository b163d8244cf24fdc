// CPU reference for adamw.ts, written from the algorithm in the PyTorch documentation of
// torch.optim.AdamW (amsgrad = False, maximize = False) and torch.nn.utils.clip_grad_norm_:
//
//   clip:  total = sqrt(Σ_tensors Σ g²);  coef = min(1, maxNorm / (total + 1e-6));  g ← g·coef
//   for t = 1, 2, …:
//     θ ← θ − γ·λ·θ                                   (decoupled weight decay)
//     m ← β1·m + (1 − β1)·g
//     v ← β2·v + (1 − β2)·g²
//     m̂ = m / (1 − β1^t);  v̂ = v / (1 − β2^t)
//     θ ← θ − γ·m̂ / (sqrt(v̂) + ε)
//
// The last line is evaluated as PyTorch's implementation does (same value, same rounding
// order): θ − (γ/(1−β1^t))·m / (sqrt(v)/sqrt(1−β2^t) + ε). adamw.golden.json (made by
// adamw_golden.py with torch 1.13, float64) pins this step for step.
import type { Vec } from '../../testing/compare.ts';
import type { AdamWOptions } from './adamw.ts';

export function adamwStepRef(param: Vec, grad: Vec, m: Vec, v: Vec, clipScale: number, o: AdamWOptions): void {
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2Sqrt = Math.sqrt(1 - o.beta2 ** o.step);
  const stepSize = o.lr / bc1;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i] * clipScale;
    const w = param[i] * (1 - o.lr * o.weightDecay);
    m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
    v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
    param[i] = w - stepSize * (m[i] / (Math.sqrt(v[i]) / bc2Sqrt + o.eps));
  }
}

/** Σ over all tensors of Σ g² (float64 accumulation). */
export function gradNormSqRef(grads: readonly ArrayLike<number>[]): number {
  let s = 0;
  for (const g of grads) for (let i = 0; i < g.length; i++) s += g[i] * g[i];
  return s;
}

export function clipScaleRef(normSq: number, maxNorm: number): number {
  return Math.min(1, maxNorm / (Math.sqrt(normSq) + 1e-6));
}

export function hasNonFinite(x: ArrayLike<number>): boolean {
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) return true;
  return false;
}
