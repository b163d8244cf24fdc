// Rung (ii): GPU matmul vs the CPU reference on SwiftShader WebGPU with the kernel this
// adapter picks ('direct' here; matmul_tiled.gpu.test.ts forces the workgroup-memory kernel):
// all four transposes, odd shapes (not tile multiples), batch with shared and batched B,
// alpha/beta (beta=1 accumulation into a non-zero C; beta=0 over NaN), views as operands,
// the backward (matmulBackward) accumulating into non-zero gradients, and error messages.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { check2d, checkBatched, TOL } from './matmul.gpu.cases.ts';
import { directVec4, matmul, matmulPath } from './matmul.ts';
import { matmulRef } from './matmul.ref.ts';

describe('matmul (GPU vs CPU reference)', () => {
  const gpu = useGpu();

  test('a CPU adapter (SwiftShader) gets the direct kernel; vec4 loads when axes allow', () => {
    expect(matmulPath(gpu())).toBe('direct');
    expect(directVec4({ M: 9, K: 40, N: 12 }, false, true)).toBe(true);
    expect(directVec4({ M: 9, K: 40, N: 12 }, true, false)).toBe(false); // M odd
    expect(directVec4({ M: 20, K: 13, N: 8 }, true, false)).toBe(true); // K tail
    expect(directVec4({ M: 20, K: 13, N: 8 }, false, false)).toBe(false);
  });

  const shapes: [number, number, number][] = [
    [1, 7, 33], [7, 1, 65], [33, 65, 7], [65, 33, 130], [130, 17, 1], [64, 64, 64],
    // multiples of 4 on some axes: the vec4 kernel (matmul_direct4.wgsl) for the transposes
    // whose contiguous axes allow it, incl. its K % 4 tail (TN with K = 13)
    [12, 36, 20], [9, 40, 12], [20, 13, 8], [1, 4, 4],
  ];
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      test(`2-D transA=${transA} transB=${transB}, forward + backward on odd shapes`, async () => {
        await check2d(gpu(), transA, transB, shapes, 10 + 100 * (+transA * 2 + +transB));
      });
    }
  }

  for (const [transA, bBatched] of [[false, false], [false, true], [true, true], [true, false]] as const) {
    test(`batched [3,…] transA=${transA} bBatched=${bBatched}, beta=0 over a NaN-filled C`, async () => {
      await checkBatched(gpu(), transA, bBatched, [false, true], 500 + 10 * (+transA * 2 + +bBatched));
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

  test('K = 0: C = beta·C (nothing to contract)', async () => {
    const ctx = gpu();
    for (const [transA, transB] of [[false, false], [true, true]]) {
      const a = ctx.empty([transA ? 0 : 8, transA ? 8 : 0], 'a'), b = ctx.empty([transB ? 4 : 0, transB ? 0 : 4], 'b');
      const c = ctx.upload(new Float32Array(32).fill(2), [8, 4], 'c');
      matmul(ctx, c, a, b, { transA, transB, beta: 0.5 });
      expect([...(await ctx.read(c))]).toEqual(new Array(32).fill(1));
      ctx.release(a, b, c);
    }
  });

  test('shape errors name the tensors; packed weights only as a 2-D B', () => {
    const ctx = gpu();
    const a = ctx.empty([4, 3], 'act'), b = ctx.empty([5, 6], 'weight'), c = ctx.empty([4, 6], 'out');
    expect(() => matmul(ctx, c, a, b)).toThrow(/act\[4,3\].*K=3.*weight\[5,6\].*K=5/);
    const b2 = ctx.empty([3, 7], 'w2');
    expect(() => matmul(ctx, c, a, b2)).toThrow(/out\[4,6\] should be \[4,7\]/);
    // a packed weight is a B operand only (A and C stay f32)
    const packed = ctx.empty([4, 3], 'w16', 'bf16');
    expect(() => matmul(ctx, c, packed, b)).toThrow(/w16\[4,3\] \(bf16\).*must be f32/);
    const big = ctx.empty([128], 'big');
    const v0 = ctx.view(big, 0, [2, 2], 'big@0'), v1 = ctx.view(big, 64, [2, 2], 'big@64');
    expect(() => matmul(ctx, v1, v0, v0)).toThrow(/big@64 shares a GPU buffer with input A=big@0/);
    ctx.release(a, b, c, b2, packed, big);
  });
});
