// Rung (ii): GPU matmul vs the CPU reference on SwiftShader WebGPU — all four transposes,
// odd shapes (not multiples of the 64×64×16 tiles), batch with shared and batched B,
// alpha/beta (beta=1 accumulation into a non-zero C), views as operands, and the backward
// (matmulBackward) accumulating into non-zero gradients. f32 vs f32 with different summation
// order: 1e-4 relative + 1e-5 absolute (values are O(1), K ≤ 130).
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { F16UnsupportedError, type F16Tensor } from '../f16/f16.ts';
import { matmul, MatmulShapeError } from './matmul.ts';
import { matmulBackward } from './matmul_backward.ts';
import { matmulBackwardRef, matmulRef } from './matmul.ref.ts';

const TOL = { atol: 1e-5, rtol: 1e-4 };
const prod = (s: number[]) => s.reduce((x, y) => x * y, 1);

describe('matmul (GPU vs CPU reference)', () => {
  const gpu = useGpu();

  const shapes: [number, number, number][] = [
    [1, 7, 33], [7, 1, 65], [33, 65, 7], [65, 33, 130], [130, 17, 1], [64, 64, 64],
  ];
  let seed = 10;
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      test(`2-D transA=${transA} transB=${transB}, forward + backward on odd shapes`, async () => {
        const ctx = gpu();
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

          // backward into non-zero grads
          const up = randn(M * N, seed++), dA0 = randn(M * K, seed++), dB0 = randn(K * N, seed++);
          const gup = ctx.upload(up, [M, N], 'dC'), gdA = ctx.upload(dA0, aS, 'dA'), gdB = ctx.upload(dB0, bS, 'dB');
          matmulBackward(ctx, { dA: gdA, dB: gdB }, gup, ga, gb, o);
          const dA = Float32Array.from(dA0), dB = Float32Array.from(dB0);
          matmulBackwardRef({ dA, dB }, up, { data: a, shape: aS }, { data: b, shape: bS }, o);
          expectClose(await ctx.read(gdA), dA, `${tag} dA`, TOL);
          expectClose(await ctx.read(gdB), dB, `${tag} dB`, TOL);
          ctx.release(ga, gb, gc, gup, gdA, gdB);
        }
      });
    }
  }

  for (const [transA, bBatched] of [[false, false], [false, true], [true, true], [true, false]] as const) {
    test(`batched [3,…] transA=${transA} bBatched=${bBatched}, beta=0 over a NaN-filled C`, async () => {
      const ctx = gpu();
      const lead = [3], M = 33, K = 20, N = 65;
      for (const transB of [false, true]) {
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
    });
  }

  test('views as operands (a vocab-chunk style window of a weight) and into C', async () => {
    const ctx = gpu();
    const M = 5, K = 64, V = 200;
    const x = randn(M * K, 90), w = randn(V * K, 91);
    const gx = ctx.upload(x, [M, K], 'x'), gw = ctx.upload(w, [V, K], 'w');
    const rows = 68, off = 64; // rows [64, 132) of w: offset 64·64 floats, 256-byte aligned
    const wv = ctx.view(gw, off * K, [rows, K], 'w[64:132]');
    const out = ctx.zeros([2 * 64 * 4 + M * rows], 'out');
    const cv = ctx.view(out, 512, [M, rows], 'out@512');
    matmul(ctx, cv, gx, wv, { transB: true });
    const want = new Float32Array(M * rows);
    matmulRef({ data: want, shape: [M, rows] }, { data: x, shape: [M, K] }, { data: w.subarray(off * K, (off + rows) * K), shape: [rows, K] }, { transB: true });
    const all = await ctx.read(out);
    expectClose(all.subarray(512, 512 + M * rows), want, 'view C', TOL);
    expect(all[511]).toBe(0); // nothing written before the view
    ctx.release(gx, gw, out);
  });

  test('shape errors name the tensors; the f16 weight path is refused without shader-f16', () => {
    const ctx = gpu();
    const a = ctx.empty([4, 3], 'act'), b = ctx.empty([5, 6], 'weight'), c = ctx.empty([4, 6], 'out');
    expect(() => matmul(ctx, c, a, b)).toThrow(/act\[4,3\].*K=3.*weight\[5,6\].*K=5/);
    const b2 = ctx.empty([3, 7], 'w2');
    expect(() => matmul(ctx, c, a, b2)).toThrow(/out\[4,6\] should be \[4,7\]/);
    // an f16 weight (as uploadF16 would make it, bypassing its own check)
    const packed = ctx.empty([9], 'w16(f16)', 'u32');
    const w16: F16Tensor = { kind: 'f16', packed, shape: [3, 6], size: 18, label: 'w16' };
    expect(ctx.caps.features.shaderF16).toBe(false); // SwiftShader: no shader-f16
    expect(() => matmul(ctx, c, a, w16)).toThrow(F16UnsupportedError);
    expect(() => matmul(ctx, c, a, w16)).toThrow(/w16.*shader-f16/);
    const big = ctx.empty([128], 'big');
    const v0 = ctx.view(big, 0, [2, 2], 'big@0'), v1 = ctx.view(big, 64, [2, 2], 'big@64');
    expect(() => matmul(ctx, v1, v0, v0)).toThrow(/big@64 shares a GPU buffer with input A=big@0/);
    ctx.release(a, b, c, b2, packed, big);
  });
});
