// Fused LoRA linear (contract in kernels/README.md; HF/PEFT layouts):
//   x [..., in] (rows N = x.size / in), W [out,in] frozen (f32, or packed bf16/f16: kernels/packed), A [r,in],
//   B [out,r], bias [out] or null, scale = alpha/r.
//
// Forward, two dispatches:
//   1. u = x·Aᵀ [N,r]                      (small GEMM; u is saved for backward)
//   2. y = x·Wᵀ + bias + scale·u·Bᵀ        (ONE tiled GEMM: the rank-r term is extra K-tiles
//                                           [u | B] appended to [x | W] in the same 64×64
//                                           output tile, so y is written once)
//      (+ residual R [N,out] instead of bias: y = R + x·Wᵀ + scale·u·Bᵀ, the decoder's
//      residual add fused into the GEMM's epilogue; or `swiglu`: the up projection also
//      writes s = silu(gate)·y from its epilogue)
// Backward (accumulates; any grad may be null):
//   g  = dy·B [N,r]                         (temporary, when dx or dA is wanted)
//   dx += dy·W + scale·g·A                  (ONE fused GEMM, same trick: [dy | g]·[W ; A])
//   dA += scale·gᵀ·x,  dB += scale·dyᵀ·u,  dW += dyᵀ·x   (TN GEMMs, beta = 1)
// Grouped (lora_group.ts): modules sharing x compute their u (forward, `uReady`) and dA
// (backward: `gOut` keeps g for loraDAGroup, dA passed null here) one dispatch per group;
// equal-shape pairs also g (`gReady`: gOut already holds dy·B) and dB (passed null here).
// Trap: y/dx must not alias any input (the GEMM reads them while writing).

import type { GpuContext } from '../../gpu/context.ts';
import { shapeStr, type GpuTensor } from '../../gpu/tensor.ts';
import { gemm, matmul, type WeightTensor } from '../matmul/matmul.ts';
import { KernelArgumentError } from '../args.ts';

export class LoraShapeError extends KernelArgumentError {
  override readonly name = 'LoraShapeError';
}

interface Dims {
  N: number;
  inF: number;
  outF: number;
  r: number;
}

const sh = (t: { shape: readonly number[]; label: string }) => shapeStr(t);

function dims(where: string, x: GpuTensor, W: WeightTensor, A: GpuTensor, B: GpuTensor): Dims {
  if (W.shape.length !== 2 || A.shape.length !== 2 || B.shape.length !== 2) {
    throw new LoraShapeError(where, `W, A, B must be 2-D; got ${sh(W)} ${sh(A)} ${sh(B)}`);
  }
  const [outF, inF] = W.shape;
  const r = A.shape[0];
  if (x.shape[x.shape.length - 1] !== inF) throw new LoraShapeError(where, `x=${sh(x)} last dim should be in=${inF} (W=${sh(W)})`);
  if (A.shape[1] !== inF) throw new LoraShapeError(where, `A=${sh(A)} should be [r,${inF}]`);
  if (B.shape[0] !== outF || B.shape[1] !== r) throw new LoraShapeError(where, `B=${sh(B)} should be [${outF},${r}] (out, r)`);
  return { N: x.size / inF, inF, outF, r };
}

function expectSize(where: string, t: GpuTensor, rows: number, cols: number, what: string): void {
  if (t.size !== rows * cols || t.shape[t.shape.length - 1] !== cols) {
    throw new LoraShapeError(where, `${what}=${sh(t)} should hold [${rows},${cols}] (rows × ${cols})`);
  }
}

/** Same buffer, 2-D shape (no copy). */
const as2d = (t: GpuTensor, rows: number, cols: number): GpuTensor =>
  t.shape.length === 2 && t.shape[0] === rows ? t : { ...t, shape: [rows, cols], isView: true };

export function loraLinearForward(
  ctx: GpuContext, y: GpuTensor, u: GpuTensor, x: GpuTensor, W: WeightTensor, A: GpuTensor, B: GpuTensor,
  opts: {
    scale: number; bias?: GpuTensor | null; residual?: GpuTensor | null; uReady?: boolean;
    /** y is the MLP's up projection: also out = silu(gate)·y in the epilogue (matmul.ts). */
    swiglu?: { gate: GpuTensor; out: GpuTensor } | null;
  },
): void {
  const where = 'loraLinearForward';
  const d = dims(where, x, W, A, B);
  expectSize(where, u, d.N, d.r, 'u');
  expectSize(where, y, d.N, d.outF, 'y');
  if (opts.bias && opts.bias.size !== d.outF) throw new LoraShapeError(where, `bias=${sh(opts.bias)} should be [${d.outF}]`);
  if (d.N === 0) return;
  const x2 = as2d(x, d.N, d.inF);
  const u2 = as2d(u, d.N, d.r);
  if (!opts.uReady) matmul(ctx, u2, x2, A, { transB: true }); // else u = x·Aᵀ already (loraUGroup)
  const g = { batch: 1, M: d.N, N: d.outF, K: d.inF, sA: 0, sB: 0, sC: 0 };
  gemm(ctx, as2d(y, d.N, d.outF), x2, W, g, {
    transB: true, a2: u2, b2: B, k2: d.r, s2: opts.scale, bias: opts.bias ?? null, residual: opts.residual ?? null,
    swiglu: opts.swiglu ?? null, name: 'lora_forward',
  });
}

export interface LoraGrads {
  dx?: GpuTensor | null;
  dA?: GpuTensor | null;
  dB?: GpuTensor | null;
  dW?: GpuTensor | null;
}

export function loraLinearBackward(
  ctx: GpuContext, grads: LoraGrads, dy: GpuTensor, x: GpuTensor, u: GpuTensor,
  W: WeightTensor, A: GpuTensor, B: GpuTensor, opts: { scale: number; gOut?: GpuTensor | null; gReady?: boolean },
): void {
  const where = 'loraLinearBackward';
  const d = dims(where, x, W, A, B);
  expectSize(where, dy, d.N, d.outF, 'dy');
  expectSize(where, u, d.N, d.r, 'u');
  const { dx, dA, dB, dW } = grads;
  if (dx) expectSize(where, dx, d.N, d.inF, 'dx');
  if (dA && dA.size !== A.size) throw new LoraShapeError(where, `dA=${sh(dA)} should match A=${sh(A)}`);
  if (dB && dB.size !== B.size) throw new LoraShapeError(where, `dB=${sh(dB)} should match B=${sh(B)}`);
  if (dW && dW.size !== d.outF * d.inF) throw new LoraShapeError(where, `dW=${sh(dW)} should be [${d.outF},${d.inF}]`);
  if (dW && dW.dtype !== 'f32') throw new LoraShapeError(where, `dW=${sh(dW)} must be f32 (packed ${W.dtype} weights are frozen)`);
  if (d.N === 0) return;
  const s = opts.scale;
  const x2 = as2d(x, d.N, d.inF);
  const dy2 = as2d(dy, d.N, d.outF);
  const u2 = as2d(u, d.N, d.r);
  const A2 = as2d(A, d.r, d.inF);
  const B2 = as2d(B, d.outF, d.r);

  // g = dy·B; into opts.gOut when given (kept for the caller's loraDAGroup), else a temporary
  const gOut = opts.gOut ?? null;
  if (gOut) expectSize(where, gOut, d.N, d.r, 'gOut');
  let g: GpuTensor | null = null;
  if (dx || dA || gOut) {
    g = gOut ? as2d(gOut, d.N, d.r) : ctx.empty([d.N, d.r], 'lora.g(dy·B)');
    if (!(gOut && opts.gReady)) matmul(ctx, g, dy2, B2); // gReady: gOut holds dy·B (loraGPair)
  }
  if (dx) {
    const dims2 = { batch: 1, M: d.N, N: d.inF, K: d.outF, sA: 0, sB: 0, sC: 0 };
    gemm(ctx, as2d(dx, d.N, d.inF), dy2, W, dims2, { a2: g!, b2: A2, k2: d.r, s2: s, beta: 1, name: 'lora_backward_dx' });
  }
  if (dA) matmul(ctx, as2d(dA, d.r, d.inF), g!, x2, { transA: true, alpha: s, beta: 1 });
  if (dB) matmul(ctx, as2d(dB, d.outF, d.r), dy2, u2, { transA: true, alpha: s, beta: 1 });
  if (dW) matmul(ctx, as2d(dW, d.outF, d.inF), dy2, x2, { transA: true, beta: 1 });
  if (!gOut) ctx.release(g);
}
