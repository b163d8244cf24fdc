// Rung (ii): RoPE on the GPU vs the CPU reference (HF float32 angle, float64 cos/sin of it),
// forward and backward (inverse rotation of a random gradient), odd shapes, left padding,
// positions up to 2048 and beyond.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randInt, randn } from '../../testing/random.ts';
import { KernelArgumentError } from '../args.ts';
import { ropeBackward, ropeForward } from './rope.ts';
import { ropeBackwardRef, ropeForwardRef } from './rope.ref.ts';

describe('RoPE GPU vs CPU', () => {
  const gpu = useGpu();
  const cases: [number, number, number, number, string][] = [
    [1, 1, 2, 10000, 'single'],
    [7, 3, 64, 100000, 'random'],
    [33, 9, 64, 100000, 'random'], // SmolVLM-256M q: 9 heads × 64
    [13, 3, 6, 10000, 'leftpad'],
    [5, 2, 128, 500000, 'edges'],
  ];
  for (const [rows, heads, headDim, theta, kind] of cases) {
    test(`rows=${rows} heads=${heads} D=${headDim} theta=${theta} positions=${kind}`, async () => {
      const ctx = gpu();
      const o = { heads, headDim, theta };
      const positions =
        kind === 'leftpad' ? Uint32Array.from({ length: rows }, (_, r) => Math.max(0, r - 4)) // 4 pads share position 0
        : kind === 'edges' ? Uint32Array.from([0, 1, 2046, 2047, 2048].slice(0, rows))
        : kind === 'single' ? Uint32Array.from([2048])
        : Uint32Array.from(randInt(rows, 31, 2049));
      const n = rows * heads * headDim;
      const x = randn(n, 32), g = randn(n, 33);
      const yRef = Float64Array.from(x), gRef = Float64Array.from(g);
      ropeForwardRef(yRef, positions, o);
      ropeBackwardRef(gRef, positions, o);
      const X = ctx.upload(x, [rows, heads, headDim], 'q'), G = ctx.upload(g, [rows, heads, headDim], 'dq');
      const P = ctx.upload(positions, [rows], 'positions');
      ropeForward(ctx, X, P, o);
      ropeBackward(ctx, G, P, o);
      expectClose(await ctx.read(X), yRef, 'rope forward');
      expectClose(await ctx.read(G), gRef, 'rope backward');
      // backward of forward is the identity (to f32 rounding)
      ropeBackward(ctx, X, P, o);
      expectClose(await ctx.read(X), x, 'roundtrip', { atol: 1e-5 });
      ctx.release(X, G, P);
    });
  }

  test('every position 0…2048 and large ones: cos/sin stay accurate (no GPU sin range trap)', async () => {
    const ctx = gpu();
    const o = { heads: 1, headDim: 64, theta: 10000 };
    const positions = Uint32Array.from([...Array.from({ length: 2049 }, (_, i) => i), 4095, 8191, 16383, 32767]);
    const rows = positions.length;
    // x = (1, 0) in every pair: the output is exactly (cos a, sin a)
    const x = new Float32Array(rows * 64);
    for (let r = 0; r < rows; r++) for (let i = 0; i < 32; i++) x[r * 64 + i] = 1;
    const ref = Float64Array.from(x);
    ropeForwardRef(ref, positions, o);
    const X = ctx.upload(x, [rows, 1, 64], 'unit'), P = ctx.upload(positions, [rows], 'positions');
    ropeForward(ctx, X, P, o);
    const got = await ctx.read(X);
    let worst = 0, worstLarge = 0;
    for (let k = 0; k < got.length; k++) {
      const e = Math.abs(got[k] - ref[k]);
      if (Math.floor(k / 64) <= 2048) worst = Math.max(worst, e);
      else worstLarge = Math.max(worstLarge, e);
    }
    // measured on SwiftShader: ≈ 1e-7 (1–2 ulp); builtin sin/cos of a ≈ 2048 would be far worse on many GPUs
    expect(worst).toBeLessThan(5e-7);
    expect(worstLarge).toBeLessThan(2e-6);
    ctx.release(X, P);
  });

  test('an explicit invFreq (e.g. PyTorch\'s exact values) is used by kernel and reference', async () => {
    const ctx = gpu();
    const inv = Float32Array.from({ length: 8 }, (_, i) => 0.9 ** i + 1e-3); // not theta-derived
    const o = { heads: 3, headDim: 16, theta: 10000, invFreq: inv };
    const rows = 5, positions = Uint32Array.from([0, 3, 100, 1000, 2048]);
    const x = randn(rows * 3 * 16, 41);
    const ref = Float64Array.from(x), plain = Float64Array.from(x);
    ropeForwardRef(ref, positions, o);
    ropeForwardRef(plain, positions, { heads: 3, headDim: 16, theta: 10000 });
    const X = ctx.upload(x, [rows, 3, 16], 'k'), P = ctx.upload(positions, [rows], 'positions');
    ropeForward(ctx, X, P, o);
    const got = await ctx.read(X);
    expectClose(got, ref, 'rope with invFreq');
    expect(Math.max(...got.map((v, i) => Math.abs(v - plain[i])))).toBeGreaterThan(0.1);
    expect(() => ropeForward(ctx, X, P, { ...o, invFreq: inv.subarray(1) })).toThrow(/invFreq has 7 values but headDim\/2 = 8/);
    ctx.release(X, P);
  });

  test('bad arguments throw KernelArgumentError naming the tensor', () => {
    const ctx = gpu();
    const X = ctx.empty([4, 2, 8], 'q'), P = ctx.empty([3], 'positions', 'u32'), Pf = ctx.empty([4], 'posf');
    expect(() => ropeForward(ctx, X, P, { heads: 2, headDim: 8, theta: 1e4 })).toThrow(/ropeForward: positions is positions\[3\]:u32/);
    expect(() => ropeForward(ctx, X, Pf, { heads: 2, headDim: 8, theta: 1e4 })).toThrow(KernelArgumentError);
    expect(() => ropeBackward(ctx, X, P, { heads: 2, headDim: 7, theta: 1e4 })).toThrow(/even headDim/);
    ctx.release(X, P, Pf);
  });
});
