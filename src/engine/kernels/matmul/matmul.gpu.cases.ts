// GPU-vs-reference checks shared by matmul.gpu.test.ts (the path this adapter picks) and
// matmul_tiled.gpu.test.ts (the workgroup-memory kernel forced on). f32 vs f32 with a
// different summation order: 1e-4 relative + 1e-5 absolute (values O(1), K ≤ 130).
import { expect } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { expectClose } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { matmul, MatmulShapeError } from './matmul.ts';
import { matmulBackward } from './matmul_backward.ts';
import { matmulBackwardRef, matmulRef } from './matmul.ref.ts';

export const TOL = { atol: 1e-5, rtol: 1e-4 };
const prod = (s: readonly number[]) => s.reduce((x, y) => x * y, 1);

/** 2-D forward (alpha, beta=1 into a non-zero C) and backward into non-zero grads. */
export async function check2d(ctx: GpuContext, transA: boolean, transB: boolean, shapes: [number, number, number][], seed: number) {
  for (const [M, K, N] of shapes) {
    const tag = `[M,K,N]=[${M},${K},${N}] tA=${transA} tB=${transB}`;
    const aS = transA ? [K, M] : [M, K];
    const bS = transB ? [N, K] : [K, N];
    const a = randn(M * K, seed++), b = randn(K * N, seed++), c0 = randn(M * N, seed++);
    const o = { transA, transB, alpha: 0.75, beta: 1 };
    const ga = ctx.upload(a, aS, 'a'), gb = ctx.upload(b, bS, 'b'), gc = ctx.upload(c0, [M, N], 'c');
    matmul(ctx, gc, ga, gb, o);
    const want = { data: Float32Array.from(c0), shape: [M, N] };
    matmulRef(want, { data: a, shape: aS }, { data: b, shape: bS }, o);
    expectClose(await ctx.read(gc), want.data, `${tag} C`, TOL);

    const up = randn(M * N, seed++), dA0 = randn(M * K, seed++), dB0 = randn(K * N, seed++);
    const gup = ctx.upload(up, [M, N], 'dC'), gdA = ctx.upload(dA0, aS, 'dA'), gdB = ctx.upload(dB0, bS, 'dB');
    matmulBackward(ctx, { dA: gdA, dB: gdB }, gup, ga, gb, o);
    const dA = Float32Array.from(dA0), dB = Float32Array.from(dB0);
    matmulBackwardRef({ dA, dB }, up, { data: a, shape: aS }, { data: b, shape: bS }, o);
    expectClose(await ctx.read(gdA), dA, `${tag} dA`, TOL);
    expectClose(await ctx.read(gdB), dB, `${tag} dB`, TOL);
    ctx.release(ga, gb, gc, gup, gdA, gdB);
  }
}

/** Batch [3] with a shared or batched B, beta=0 over a NaN-filled C, plus the backward. */
export async function checkBatched(ctx: GpuContext, transA: boolean, bBatched: boolean, transBs: boolean[], seed: number) {
  const lead = [3], M = 33, K = 20, N = 65;
  for (const transB of transBs) {
    const tag = `batched tA=${transA} tB=${transB} bBatched=${bBatched}`;
    const aS = [...lead, ...(transA ? [K, M] : [M, K])];
    const bS = [...(bBatched ? lead : []), ...(transB ? [N, K] : [K, N])];
    const a = randn(prod(aS), seed++), b = randn(prod(bS), seed++);
    const ga = ctx.upload(a, aS, 'a'), gb = ctx.upload(b, bS, 'b');
    const gc = ctx.upload(new Float32Array(prod(lead) * M * N).fill(NaN), [...lead, M, N], 'c');
    matmul(ctx, gc, ga, gb, { transA, transB });
    const want = { data: new Float32Array(prod(lead) * M * N), shape: [...lead, M, N] };
    matmulRef(want, { data: a, shape: aS }, { data: b, shape: bS }, { transA, transB });
    expectClose(await ctx.read(gc), want.data, `${tag} C`, TOL);
    if (!(transA && !bBatched)) {
      const up = randn(want.data.length, seed++), dA0 = randn(a.length, seed++), dB0 = randn(b.length, seed++);
      const gup = ctx.upload(up, want.shape, 'dC'), gdA = ctx.upload(dA0, aS, 'dA'), gdB = ctx.upload(dB0, bS, 'dB');
      matmulBackward(ctx, { dA: gdA, dB: gdB }, gup, ga, gb, { transA, transB });
      const dA = Float32Array.from(dA0), dB = Float32Array.from(dB0);
      matmulBackwardRef({ dA, dB }, up, { data: a, shape: aS }, { data: b, shape: bS }, { transA, transB });
      expectClose(await ctx.read(gdA), dA, `${tag} dA`, TOL);
      expectClose(await ctx.read(gdB), dB, `${tag} dB`, TOL);
      ctx.release(gup, gdA, gdB);
    } else {
      expect(() => matmulBackward(ctx, { dA: null, dB: gb }, gc, ga, gb, { transA, transB })).toThrow(MatmulShapeError);
    }
    ctx.release(ga, gb, gc);
  }
}
