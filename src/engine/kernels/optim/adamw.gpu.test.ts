// Rung (ii): GPU vs CPU reference for the grad norm, clip scale, AdamW steps and the
// non-finite flag. Odd sizes (1, 7, 2049 = one past a partials chunk, 5000, 130).
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { adamwStep, clipScaleFromNorm, clipScaleGuarded, globalGradNorm, nonFiniteCheck } from './adamw.ts';
import { adamwStepRef, clipScaleRef, gradNormSqRef } from './adamw.ref.ts';

const SIZES = [1, 7, 2049, 5000, 130];

describe('optimizer kernels on the GPU', () => {
  const gpu = useGpu();

  test('globalGradNorm accumulates Σg² over all tensors; result is deterministic', async () => {
    const ctx = gpu();
    const host = SIZES.map((n, i) => randn(n, 100 + i, 0.1 * (i + 1)));
    const grads = host.map((g, i) => ctx.upload(g, [g.length], `g${i}`));
    const normSq = ctx.upload([0.75], [1], 'normSq'); // accumulates on top of 0.75
    globalGradNorm(ctx, normSq, grads);
    const a = (await ctx.read(normSq))[0];
    expectClose([a], [0.75 + gradNormSqRef(host)], 'normSq', { rtol: 1e-5 });
    ctx.write(normSq, [0.75]);
    globalGradNorm(ctx, normSq, grads);
    expect((await ctx.read(normSq))[0]).toBe(a); // bitwise identical: fixed reduction order
    globalGradNorm(ctx, normSq, []); // no tensors: no-op
    expect((await ctx.read(normSq))[0]).toBe(a);
    ctx.release(normSq, ...grads);
  });

  test.each([
    [2.5, 4],
    [100, 1e-12],
    [1, 0],
    [Infinity, 1e6],
  ])('clipScaleFromNorm(maxNorm=%f, normSq=%f)', async (maxNorm, ns) => {
    const ctx = gpu();
    const normSq = ctx.upload([ns], [1], 'normSq');
    const scale = ctx.empty([1], 'scale');
    clipScaleFromNorm(ctx, scale, normSq, maxNorm);
    expectClose(await ctx.read(scale), [clipScaleRef(Math.fround(ns), maxNorm)], 'scale', { rtol: 1e-6 });
    ctx.release(normSq, scale);
  });

  test('four AdamW steps with GPU-side clipping match the reference', async () => {
    const ctx = gpu();
    const cfg = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.05 };
    const p0 = SIZES.map((n, i) => randn(n, 200 + i));
    const P = p0.map((p, i) => ctx.upload(p, [p.length], `p${i}`));
    const M = SIZES.map((n, i) => ctx.zeros([n], `m${i}`));
    const V = SIZES.map((n, i) => ctx.zeros([n], `v${i}`));
    const G = SIZES.map((n, i) => ctx.empty([n], `g${i}`));
    const normSq = ctx.empty([1], 'normSq');
    const scale = ctx.empty([1], 'scale');
    const rp = p0.map((p) => Float64Array.from(p));
    const rm = SIZES.map((n) => new Float64Array(n));
    const rv = SIZES.map((n) => new Float64Array(n));
    for (let step = 1; step <= 4; step++) {
      const lr = 1e-2 / step;
      const maxNorm = step % 2 ? 1 : 1e3; // clipping active on odd steps
      const gh = SIZES.map((n, i) => randn(n, 300 + 10 * step + i, step));
      G.forEach((g, i) => ctx.write(g, gh[i]));
      ctx.clear(normSq);
      globalGradNorm(ctx, normSq, G);
      clipScaleFromNorm(ctx, scale, normSq, maxNorm);
      P.forEach((_, i) => adamwStep(ctx, P[i], G[i], M[i], V[i], scale, { ...cfg, lr, step }));
      // reference: clip scale from the GPU's own normSq (f32) so both sides use one scale
      const s = clipScaleRef((await ctx.read(normSq))[0], maxNorm);
      expect(s < 1).toBe(step % 2 === 1);
      rp.forEach((p, i) => adamwStepRef(p, Float64Array.from(gh[i]), rm[i], rv[i], s, { ...cfg, lr, step }));
      for (let i = 0; i < SIZES.length; i++) {
        expectClose(await ctx.read(M[i]), rm[i], `m${i} step ${step}`, { atol: 1e-6, rtol: 1e-4 });
        expectClose(await ctx.read(V[i]), rv[i], `v${i} step ${step}`, { atol: 1e-8, rtol: 1e-4 });
        expectClose(await ctx.read(P[i]), rp[i], `p${i} step ${step}`, { atol: 1e-6, rtol: 1e-5 });
      }
    }
    ctx.release(...P, ...M, ...V, ...G, normSq, scale);
  });

  test('nonFiniteCheck sets one bit per tensor holding NaN/±Inf, leaves finite ones alone', async () => {
    const ctx = gpu();
    const mk = (n: number, bad: number | null, at: number, label: string) => {
      const a = randn(n, n + at, 1e30); // huge but finite
      if (bad !== null) a[at] = bad;
      return ctx.upload(a, [n], label);
    };
    const ts = [mk(1, NaN, 0, 'loss'), mk(130, null, 0, 'clean'), mk(5000, Infinity, 4999, 'inf'), mk(7, -Infinity, 3, 'ninf'), mk(33, null, 0, 'clean2')];
    const flag = ctx.upload(new Uint32Array([0]), [1], 'flag');
    nonFiniteCheck(ctx, flag, ts);
    expect((await ctx.readU32(flag))[0]).toBe(0b01101);
    ctx.clear(flag);
    nonFiniteCheck(ctx, flag, [ts[1], ts[4]]);
    expect((await ctx.readU32(flag))[0]).toBe(0);
    ctx.release(flag, ...ts);
  });

  test('clipScaleGuarded: the clip scale when the flag is clear; −1 when set, and AdamW then changes nothing', async () => {
    const ctx = gpu();
    const normSq = ctx.upload([4], [1], 'normSq');
    const flag = ctx.upload(new Uint32Array([0]), [1], 'flag');
    const scale = ctx.empty([1], 'scale');
    clipScaleGuarded(ctx, scale, normSq, flag, 1);
    expectClose(await ctx.read(scale), [clipScaleRef(4, 1)], 'scale, flag clear', { rtol: 1e-6 });
    const n = 2049;
    const host = [randn(n, 1), randn(n, 2), randn(n, 3, 0.1), randn(n, 4, 0.1).map(Math.abs)];
    const [p, g, m, v] = host.map((h, i) => ctx.upload(h, [n], `t${i}`));
    ctx.write(flag, new Uint32Array([0b100]));
    clipScaleGuarded(ctx, scale, normSq, flag, 1);
    adamwStep(ctx, p, g, m, v, scale, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 });
    expect((await ctx.read(scale))[0]).toBe(-1);
    for (const [i, t] of [p, g, m, v].entries()) expect(await ctx.read(t), `tensor ${i} untouched`).toEqual(host[i]);
    ctx.write(flag, new Uint32Array([0]));
    clipScaleGuarded(ctx, scale, normSq, flag, 1);
    adamwStep(ctx, p, g, m, v, scale, { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 });
    expect(await ctx.read(p)).not.toEqual(host[0]); // the same update with the flag clear does change p
    ctx.release(normSq, flag, scale, p, g, m, v);
  });
});
