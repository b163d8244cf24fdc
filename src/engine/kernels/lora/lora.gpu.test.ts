// Rung (ii): fused LoRA linear on the GPU vs the CPU reference — forward (y and the saved u)
// and backward (dx, dA, dB, dW) with a random upstream gradient, accumulating into non-zero
// grads; odd shapes, T=1 (N=1 row), r=1 and r=16, with/without bias, null grads, 3-D x.
// f32 vs f32, different summation order: 1e-4 relative (+ small absolute), K ≤ 130.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { loraLinearBackward, loraLinearForward, LoraShapeError } from './lora.ts';
import { loraLinearBackwardRef, loraLinearForwardRef, type LoraDims } from './lora.ref.ts';

const TOL = { atol: 2e-5, rtol: 1e-4 };

describe('loraLinear (GPU vs CPU reference)', () => {
  const gpu = useGpu();
  const cases: (LoraDims & { bias: boolean; lead?: number[] })[] = [
    { N: 33, inF: 65, outF: 130, r: 16, bias: false },
    { N: 1, inF: 130, outF: 7, r: 1, bias: true },
    { N: 65, inF: 7, outF: 33, r: 16, bias: true },
    { N: 70, inF: 33, outF: 65, r: 1, bias: false, lead: [2, 35] },
    { N: 13, inF: 64, outF: 36, r: 16, bias: true }, // vec4-friendly in/out (direct4 kernel)
  ];
  let seed = 100;
  for (const d of cases) {
    test(`N=${d.N} in=${d.inF} out=${d.outF} r=${d.r} bias=${d.bias}${d.lead ? ` x[${d.lead}]` : ''}`, async () => {
      const ctx = gpu();
      const { N, inF, outF, r } = d;
      const scale = 16 / r;
      // LoRA-like magnitudes: B small, so the low-rank term is a perturbation but still visible
      const x = randn(N * inF, seed++), W = randn(outF * inF, seed++, 0.2);
      const A = randn(r * inF, seed++, 0.2), B = randn(outF * r, seed++, 0.1);
      const bias = d.bias ? randn(outF, seed++) : null;
      const lead = d.lead ?? [N];
      const gx = ctx.upload(x, [...lead, inF], 'x'), gW = ctx.upload(W, [outF, inF], 'W');
      const gA = ctx.upload(A, [r, inF], 'A'), gB = ctx.upload(B, [outF, r], 'B');
      const gbias = bias ? ctx.upload(bias, [outF], 'bias') : null;
      const gy = ctx.upload(new Float32Array(N * outF).fill(NaN), [...lead, outF], 'y'); // y is overwritten
      const gu = ctx.empty([N, r], 'u');
      loraLinearForward(ctx, gy, gu, gx, gW, gA, gB, { scale, bias: gbias });
      const y = new Float32Array(N * outF), u = new Float32Array(N * r);
      loraLinearForwardRef(y, u, x, W, A, B, d, { scale, bias });
      expectClose(await ctx.read(gu), u, 'u', TOL);
      expectClose(await ctx.read(gy), y, 'y', TOL);

      const dy = randn(N * outF, seed++);
      const init = { dx: randn(N * inF, seed++), dA: randn(r * inF, seed++), dB: randn(outF * r, seed++), dW: randn(outF * inF, seed++) };
      const g = {
        dx: ctx.upload(init.dx, [...lead, inF], 'dx'), dA: ctx.upload(init.dA, [r, inF], 'dA'),
        dB: ctx.upload(init.dB, [outF, r], 'dB'), dW: ctx.upload(init.dW, [outF, inF], 'dW'),
      };
      const gdy = ctx.upload(dy, [...lead, outF], 'dy');
      loraLinearBackward(ctx, g, gdy, gx, gu, gW, gA, gB, { scale });
      const want = { dx: Float32Array.from(init.dx), dA: Float32Array.from(init.dA), dB: Float32Array.from(init.dB), dW: Float32Array.from(init.dW) };
      loraLinearBackwardRef(want, dy, x, u, W, A, B, d, { scale });
      for (const k of ['dx', 'dA', 'dB', 'dW'] as const) expectClose(await ctx.read(g[k]), want[k], `${k} (N=${N} r=${r})`, TOL);

      // null grads: only dB (and dA alone) — others untouched
      const dB1 = ctx.upload(init.dB, [outF, r], 'dB1'), dA1 = ctx.upload(init.dA, [r, inF], 'dA1');
      loraLinearBackward(ctx, { dB: dB1 }, gdy, gx, gu, gW, gA, gB, { scale });
      loraLinearBackward(ctx, { dA: dA1, dx: null, dW: null }, gdy, gx, gu, gW, gA, gB, { scale });
      expectClose(await ctx.read(dB1), want.dB, 'dB alone', TOL);
      expectClose(await ctx.read(dA1), want.dA, 'dA alone', TOL);
      ctx.release(gx, gW, gA, gB, gbias, gy, gu, g.dx, g.dA, g.dB, g.dW, gdy, dB1, dA1);
    });
  }

  test('shape errors name the tensor; a packed W has no gradient', () => {
    const ctx = gpu();
    const x = ctx.empty([3, 8], 'x'), W = ctx.empty([5, 8], 'W'), A = ctx.empty([2, 8], 'A');
    const Bbad = ctx.empty([2, 5], 'B'), B = ctx.empty([5, 2], 'B'), y = ctx.empty([3, 5], 'y'), u = ctx.empty([3, 2], 'u');
    expect(() => loraLinearForward(ctx, y, u, x, W, A, Bbad, { scale: 1 })).toThrow(LoraShapeError);
    expect(() => loraLinearForward(ctx, y, u, x, W, A, Bbad, { scale: 1 })).toThrow(/B\[2,5\] should be \[5,2\]/);
    expect(() => loraLinearForward(ctx, u, y, x, W, A, B, { scale: 1 })).toThrow(/u=y\[3,5\] should hold \[3,2\]/);
    const packed = ctx.empty([5, 8], 'W16', 'f16');
    const dW16 = ctx.empty([5, 8], 'dW16', 'f16');
    expect(() => loraLinearBackward(ctx, { dW: dW16 }, y, x, u, packed, A, B, { scale: 1 })).toThrow(/dW16.*must be f32/);
    ctx.release(dW16);
    ctx.release(x, W, A, Bbad, B, y, u, packed);
  });
});
