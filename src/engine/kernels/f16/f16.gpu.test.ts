// The f16 weight path on this machine: SwiftShader has no 'shader-f16', so the `enable f16;`
// kernels cannot be compiled here. What runs: (1) the launchers refuse f16 storage with a
// clear F16UnsupportedError; (2) the numerics of f16 storage, emulated by uploading
// roundToF16(W) as f32 — exactly the values an f16 read widens to — through the real fused
// LoRA kernel, agree with the CPU reference on rounded weights and stay within the f16 error
// bound of the f32 path.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { loraLinearForward } from '../lora/lora.ts';
import { loraLinearForwardRef } from '../lora/lora.ref.ts';
import { F16UnsupportedError, roundToF16, uploadF16 } from './f16.ts';

describe('f16 weight storage (GPU)', () => {
  const gpu = useGpu();

  test('uploadF16 refuses without shader-f16, naming the tensor and the feature', () => {
    const ctx = gpu();
    expect(ctx.caps.features.shaderF16).toBe(false);
    expect(() => uploadF16(ctx, new Float32Array(6), [2, 3], 'q_proj.weight')).toThrow(F16UnsupportedError);
    expect(() => uploadF16(ctx, new Float32Array(6), [2, 3], 'q_proj.weight')).toThrow(/q_proj\.weight.*shader-f16/);
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
