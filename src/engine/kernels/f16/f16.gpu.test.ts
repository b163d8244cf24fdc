// The f16 weight path without 'shader-f16' (SwiftShader has none): (1) uploadF16 stores
// packed halves that the real kernels read (unpack2x16float), matching the f32 path on the
// rounded weights; (2) the numerics of f16 storage, emulated by uploading roundToF16(W) as
// f32 — exactly the values an f16 read widens to — through the real fused LoRA kernel, agree
// with the CPU reference on rounded weights and stay within the f16 error bound of the f32 path.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { loraLinearForward } from '../lora/lora.ts';
import { loraLinearForwardRef } from '../lora/lora.ref.ts';
import { roundToF16, uploadF16 } from './f16.ts';

describe('f16 weight storage (GPU)', () => {
  const gpu = useGpu();

  test('uploadF16 works without shader-f16: packed halves, widened exactly on read', async () => {
    const ctx = gpu();
    expect(ctx.caps.features.shaderF16).toBe(false);
    const x = randn(7, 3);
    const t = uploadF16(ctx, x, [7], 'q_proj.weight');
    expect(t.dtype).toBe('f16');
    expect([...(await ctx.read(t))]).toEqual([...roundToF16(x)]);
    ctx.release(t);
  });

  test('emulated f16 weights through the fused LoRA kernel', async () => {
    const ctx = gpu();
    const d = { N: 17, inF: 70, outF: 45, r: 16 };
    const x = randn(d.N * d.inF, 21), W = randn(d.outF * d.inF, 22, 0.05);
    const A = randn(d.r * d.inF, 23, 0.05), B = randn(d.outF * d.r, 24, 0.05);
    const Wh = roundToF16(W);
    const gx = ctx.upload(x, [d.N, d.inF], 'x'), gW = ctx.upload(Wh, [d.outF, d.inF], 'W(f16-rounded)');
    const gA = ctx.upload(A, [d.r, d.inF], 'A'), gB = ctx.upload(B, [d.outF, d.r], 'B');
    const gy = ctx.empty([d.N, d.outF], 'y'), gu = ctx.empty([d.N, d.r], 'u');
    loraLinearForward(ctx, gy, gu, gx, gW, gA, gB, { scale: 1 });
    const got = await ctx.read(gy);
    const yh = new Float32Array(d.N * d.outF), y = new Float64Array(d.N * d.outF), u = new Float64Array(d.N * d.r);
    loraLinearForwardRef(yh, new Float32Array(d.N * d.r), x, Wh, A, B, d, { scale: 1 });
    loraLinearForwardRef(y, u, x, W, A, B, d, { scale: 1 });
    expectClose(got, yh, 'GPU vs CPU on f16-rounded W', { atol: 1e-5, rtol: 1e-4 });
    for (let n = 0; n < d.N; n++) {
      for (let m = 0; m < d.outF; m++) {
        let bound = 0;
        for (let k = 0; k < d.inF; k++) bound += Math.abs(x[n * d.inF + k] * W[m * d.inF + k]);
        bound = bound * 2 ** -11 + 1e-5; // f16 unit roundoff on W + f32 summation slack
        expect(Math.abs(got[n * d.outF + m] - y[n * d.outF + m]), `y[${n},${m}]`).toBeLessThanOrEqual(bound);
      }
    }
    ctx.release(gx, gW, gA, gB, gy, gu);
  });
});
