/**
 * Mean pooling over the T connector tokens of each image, as one GEMM with a block-averaging
 * matrix (deterministic: the matmul kernels sum in a fixed order).
 *
 * Public API:
 *   poolingMatrix(ctx, M, T) → GpuTensor [M, M·T]    P[m, m·T + t] = 1/T, else 0 (caller releases)
 *   meanPoolForward(ctx, out [M,D], x [M,T,D] | [M·T,D], P)        out = P·x      (overwrites)
 *   meanPoolBackward(ctx, dx [M,T,D] | [M·T,D], dOut [M,D], P)     dx += Pᵀ·dOut  (accumulates)
 *   meanPoolRef(x, M, T, D) → Float64Array [M, D]                  CPU reference
 * Cost: M·(M·T)·D multiply-adds, wasteful only for M in the thousands (embedImages chunks).
 */
import type { GpuContext } from '../../gpu/context.ts';
import { shapeStr, type GpuTensor } from '../../gpu/tensor.ts';
import { matmul } from '../../kernels/matmul/matmul.ts';

export function poolingMatrix(ctx: GpuContext, M: number, T: number): GpuTensor {
  if (!Number.isInteger(M) || M < 1 || !Number.isInteger(T) || T < 1) {
    throw new RangeError(`clip/pool.ts poolingMatrix: M and T must be positive integers, got ${M}, ${T}`);
  }
  const p = new Float32Array(M * M * T);
  for (let m = 0; m < M; m++) p.fill(1 / T, m * M * T + m * T, m * M * T + (m + 1) * T);
  return ctx.upload(p, [M, M * T], `clip.pool[${M}x${T}]`);
}

function dims(where: string, x: GpuTensor, out: GpuTensor, P: GpuTensor): [number, number, number] {
  const [M, MT] = P.shape;
  if (P.shape.length !== 2 || MT % M !== 0) throw new RangeError(`${where}: pooling matrix ${shapeStr(P)} is not [M, M·T]`);
  const D = out.size / M;
  if (out.shape.length !== 2 || out.shape[0] !== M || x.size !== MT * D) {
    throw new RangeError(`${where}: tokens ${shapeStr(x)} and pooled ${shapeStr(out)} do not fit [${M}, ${MT / M}, D] → [${M}, D]`);
  }
  return [M, MT / M, D];
}

export function meanPoolForward(ctx: GpuContext, out: GpuTensor, x: GpuTensor, P: GpuTensor): void {
  const [M, T, D] = dims('clip/pool.ts meanPoolForward', x, out, P);
  matmul(ctx, out, P, ctx.view(x, 0, [M * T, D], `${x.label}.rows`));
}

export function meanPoolBackward(ctx: GpuContext, dx: GpuTensor, dOut: GpuTensor, P: GpuTensor): void {
  const [M, T, D] = dims('clip/pool.ts meanPoolBackward', dx, dOut, P);
  matmul(ctx, ctx.view(dx, 0, [M * T, D], `${dx.label}.rows`), P, dOut, { transA: true, beta: 1 });
}

export function meanPoolRef(x: ArrayLike<number>, M: number, T: number, D: number): Float64Array {
  const out = new Float64Array(M * D);
  for (let m = 0; m < M; m++) {
    for (let t = 0; t < T; t++) for (let d = 0; d < D; d++) out[m * D + d] += x[(m * T + t) * D + d];
    for (let d = 0; d < D; d++) out[m * D + d] /= T;
  }
  return out;
}
