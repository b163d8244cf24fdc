// Backward of C = alpha·op(A)·op(B) as matmuls that accumulate (beta = 1):
//
//   case        dA (stored layout)            dB (stored layout)
//   A·B         dC·Bᵀ        (NT)             Aᵀ·dC     (TN)
//   A·Bᵀ        dC·B         (NN)             dCᵀ·A     (TN)
//   Aᵀ·B        B·dCᵀ        (NT)             A·dC      (NN)
//   Aᵀ·Bᵀ       Bᵀ·dCᵀ       (TT)             dCᵀ·Aᵀ    (TT)
//
// A 2-D B shared by a batch needs dB summed over the batch: done by folding the batch into
// the contraction dim (rows of A and dC are contiguous) when A is not transposed. With
// transA and a shared B over batch > 1 this fold is impossible, and so is dA (B would be
// the batched operand); both throw MatmulShapeError — batch the B or loop over batches.
// `backwardPlan` is pure (shapes only) so the CPU test runs the very plan the GPU runs.

import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { matmul, MatmulShapeError } from './matmul.ts';

type Operand = 'a' | 'b' | 'dC';
export interface PlanStep {
  grad: 'dA' | 'dB';
  x: Operand;
  y: Operand;
  transA: boolean;
  transB: boolean;
  outShape: readonly number[];
  xShape: readonly number[];
  yShape: readonly number[];
}

export function backwardPlan(aShape: readonly number[], bShape: readonly number[], transA: boolean, transB: boolean): PlanStep[] {
  const ra = aShape.length;
  const lead = aShape.slice(0, ra - 2);
  const batch = lead.reduce((x, y) => x * y, 1);
  const [a0, a1] = aShape.slice(ra - 2);
  const [b0, b1] = bShape.slice(bShape.length - 2);
  const M = transA ? a1 : a0;
  const K = transA ? a0 : a1;
  const N = transB ? b0 : b1;
  const shared = bShape.length === 2;
  // non-batched (or batch of 1 with shared B): everything is 2-D
  const L = shared && batch === 1 ? [] : lead;
  const A = [...L, a0, a1];
  const B = shared ? [b0, b1] : [...L, b0, b1];
  const dC = [...L, M, N];
  if (transA && shared && L.length > 0) {
    throw new MatmulShapeError('matmulBackward', `transA with a 2-D B shared by a batch of ${batch} is not supported; give B the batch dims`);
  }
  const s = (grad: 'dA' | 'dB', x: Operand, y: Operand, tA: boolean, tB: boolean, outShape: number[], xShape: number[], yShape: number[]): PlanStep =>
    ({ grad, x, y, transA: tA, transB: tB, outShape, xShape, yShape });
  // shared B with !transA: fold the batch into rows for dB
  const fA = shared && L.length ? [batch * a0, a1] : A;
  const fC = shared && L.length ? [batch * M, N] : dC;
  if (!transA && !transB) return [s('dA', 'dC', 'b', false, true, A, dC, B), s('dB', 'a', 'dC', true, false, B, fA, fC)];
  if (!transA && transB) return [s('dA', 'dC', 'b', false, false, A, dC, B), s('dB', 'dC', 'a', true, false, B, fC, fA)];
  if (transA && !transB) return [s('dA', 'b', 'dC', false, true, A, B, dC), s('dB', 'a', 'dC', false, false, B, A, dC)];
  void K;
  return [s('dA', 'b', 'dC', true, true, A, B, dC), s('dB', 'dC', 'a', true, true, B, dC, A)];
}

const reshape = (t: GpuTensor, shape: readonly number[]): GpuTensor =>
  t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]) ? t : { ...t, shape: [...shape], isView: true };

/** dA += alpha·∂(op(A)·op(B))/∂A · dC, dB likewise; either grad may be null. */
export function matmulBackward(
  ctx: GpuContext,
  grads: { dA?: GpuTensor | null; dB?: GpuTensor | null },
  dC: GpuTensor,
  a: GpuTensor,
  b: GpuTensor,
  opts: { transA?: boolean; transB?: boolean; alpha?: number } = {},
): void {
  const plan = backwardPlan(a.shape, b.shape, !!opts.transA, !!opts.transB);
  const pick = (o: Operand) => (o === 'a' ? a : o === 'b' ? b : dC);
  for (const st of plan) {
    const out = st.grad === 'dA' ? grads.dA : grads.dB;
    if (!out) continue;
    matmul(ctx, reshape(out, st.outShape), reshape(pick(st.x), st.xShape), reshape(pick(st.y), st.yShape), {
      transA: st.transA,
      transB: st.transB,
      alpha: opts.alpha ?? 1,
      beta: 1,
    });
  }
}
