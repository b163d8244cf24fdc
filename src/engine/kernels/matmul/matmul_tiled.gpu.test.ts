// Rung (ii) for the workgroup-memory kernel (matmul.wgsl), the one real GPUs use, forced on
// SwiftShader with setMatmulPath. Fewer shapes than matmul.gpu.test.ts: every specialisation
// of this kernel costs seconds to compile here. Covers all four transposes forward and
// backward on odd shapes (incl. K > 2 K-tiles and M, N > one 64 tile), batch with shared and
// batched B, and the fused second pair + bias through the LoRA launchers.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { loraLinearBackward, loraLinearForward } from '../lora/lora.ts';
import { loraLinearBackwardRef, loraLinearForwardRef } from '../lora/lora.ref.ts';
import { check2d, checkBatched, TOL } from './matmul.gpu.cases.ts';
import { matmulPath, setMatmulPath } from './matmul.ts';

describe('matmul, tiled (workgroup memory) kernel', () => {
  const gpu = useGpu();

  test('forced path', () => {
    setMatmulPath(gpu(), 'tiled');
    expect(matmulPath(gpu())).toBe('tiled');
  });

  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      test(`2-D transA=${transA} transB=${transB}`, async () => {
        await check2d(gpu(), transA, transB, [[1, 7, 33], [65, 33, 130], [130, 40, 1]], 20 + 100 * (+transA * 2 + +transB));
      });
    }
  }

  test('batched, shared and batched B', async () => {
    await checkBatched(gpu(), false, false, [true], 700);
    await checkBatched(gpu(), true, true, [false], 710);
  });

  test('fused second pair + bias (LoRA forward, dx backward), r=16, N=70', async () => {
    const ctx = gpu();
    const d = { N: 70, inF: 33, outF: 65, r: 16 };
    const x = randn(d.N * d.inF, 1), W = randn(d.outF * d.inF, 2, 0.2), A = randn(d.r * d.inF, 3, 0.2);
    const B = randn(d.outF * d.r, 4, 0.1), bias = randn(d.outF, 5), dy = randn(d.N * d.outF, 6), dx0 = randn(d.N * d.inF, 7);
    const gx = ctx.upload(x, [d.N, d.inF], 'x'), gW = ctx.upload(W, [d.outF, d.inF], 'W');
    const gA = ctx.upload(A, [d.r, d.inF], 'A'), gB = ctx.upload(B, [d.outF, d.r], 'B'), gb = ctx.upload(bias, [d.outF], 'bias');
    const gy = ctx.empty([d.N, d.outF], 'y'), gu = ctx.empty([d.N, d.r], 'u');
    loraLinearForward(ctx, gy, gu, gx, gW, gA, gB, { scale: 2, bias: gb });
    const y = new Float32Array(d.N * d.outF), u = new Float32Array(d.N * d.r);
    loraLinearForwardRef(y, u, x, W, A, B, d, { scale: 2, bias });
    expectClose(await ctx.read(gy), y, 'tiled lora y', TOL);
    const gdy = ctx.upload(dy, [d.N, d.outF], 'dy'), gdx = ctx.upload(dx0, [d.N, d.inF], 'dx');
    loraLinearBackward(ctx, { dx: gdx }, gdy, gx, gu, gW, gA, gB, { scale: 2 });
    const dx = Float32Array.from(dx0);
    loraLinearBackwardRef({ dx }, dy, x, u, W, A, B, d, { scale: 2 });
    expectClose(await ctx.read(gdx), dx, 'tiled lora dx', TOL);
    ctx.release(gx, gW, gA, gB, gb, gy, gu, gdy, gdx);
  });
});
