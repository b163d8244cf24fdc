// The ops composed as a training step uses them, on the GPU and in the CPU references side by
// side: free embeddings → L2 normalise → symmetric InfoNCE (learnable logTau) → backward →
// global grad norm → clip → AdamW on img, txt and logTau; non-finite flag read once per step.
// Checks that the chain trains (loss falls) and that GPU and CPU trajectories agree.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { infoNceBackward, infoNceForward } from '../loss/infonce.ts';
import { infoNceBackwardRef, infoNceForwardRef } from '../loss/infonce.ref.ts';
import { l2NormalizeBackward, l2NormalizeForward } from '../loss/l2norm.ts';
import { l2NormalizeBackwardRef, l2NormalizeForwardRef } from '../loss/l2norm.ref.ts';
import { adamwStep, clipScaleFromNorm, globalGradNorm, nonFiniteCheck } from './adamw.ts';
import { adamwStepRef, clipScaleRef, gradNormSqRef } from './adamw.ref.ts';

describe('a contrastive training step, end to end', () => {
  const gpu = useGpu();

  test('12 steps: loss falls, GPU follows the CPU reference, flag stays clear', async () => {
    const ctx = gpu();
    const n = 9, d = 12, steps = 12, maxNorm = 0.5;
    const opt = { lr: 0.05, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 };
    const init = [randn(n * d, 1), randn(n * d, 2), Float32Array.from([Math.log(0.1)])];
    const shapes = [[n, d], [n, d], [1]];
    const P = init.map((x, k) => ctx.upload(x, shapes[k], ['img', 'txt', 'logTau'][k]));
    const G = shapes.map((s, k) => ctx.empty(s, `grad${k}`));
    const M = shapes.map((s, k) => ctx.zeros(s, `m${k}`));
    const V = shapes.map((s, k) => ctx.zeros(s, `v${k}`));
    const e = [ctx.empty([n, d], 'eImg'), ctx.empty([n, d], 'eTxt')];
    const norms = [ctx.empty([n], 'nImg'), ctx.empty([n], 'nTxt')];
    const de = [ctx.empty([n, d], 'deImg'), ctx.empty([n, d], 'deTxt')];
    const loss = ctx.empty([1], 'loss');
    const probs = ctx.empty([2, n, n], 'probs');
    const normSq = ctx.empty([1], 'normSq');
    const scale = ctx.empty([1], 'scale');
    const flag = ctx.empty([1], 'flag', 'u32');

    const rp = init.map((x) => Float64Array.from(x));
    const rm = init.map((x) => new Float64Array(x.length));
    const rv = init.map((x) => new Float64Array(x.length));
    const gpuLoss: number[] = [];
    const cpuLoss: number[] = [];
    for (let step = 1; step <= steps; step++) {
      // GPU step
      for (const t of [...G, normSq, flag, ...de]) ctx.clear(t);
      for (const k of [0, 1]) l2NormalizeForward(ctx, e[k], norms[k], P[k]);
      infoNceForward(ctx, loss, probs, e[0], e[1], { logTau: P[2] });
      infoNceBackward(ctx, { dImg: de[0], dTxt: de[1], dLogTau: G[2] }, 1, e[0], e[1], probs, { logTau: P[2] });
      for (const k of [0, 1]) l2NormalizeBackward(ctx, G[k], de[k], e[k], norms[k]);
      globalGradNorm(ctx, normSq, G);
      nonFiniteCheck(ctx, flag, [loss, normSq]);
      clipScaleFromNorm(ctx, scale, normSq, maxNorm);
      for (let k = 0; k < 3; k++) adamwStep(ctx, P[k], G[k], M[k], V[k], scale, { ...opt, step });
      gpuLoss.push((await ctx.read(loss))[0]);
      expect((await ctx.readU32(flag))[0]).toBe(0);

      // CPU step
      const re = [new Float64Array(n * d), new Float64Array(n * d)];
      const rn = [new Float64Array(n), new Float64Array(n)];
      for (const k of [0, 1]) l2NormalizeForwardRef(re[k], rn[k], rp[k], { n, d });
      const rl = new Float64Array(1);
      const rprobs = new Float64Array(2 * n * n);
      infoNceForwardRef(rl, rprobs, re[0], re[1], { n, d, logTau: rp[2][0] });
      const rde = [new Float64Array(n * d), new Float64Array(n * d)];
      const rg = [new Float64Array(n * d), new Float64Array(n * d), new Float64Array(1)];
      infoNceBackwardRef({ dImg: rde[0], dTxt: rde[1], dLogTau: rg[2] }, 1, re[0], re[1], rprobs, { n, d, logTau: rp[2][0] });
      for (const k of [0, 1]) l2NormalizeBackwardRef(rg[k], rde[k], re[k], rn[k], { n, d });
      const s = clipScaleRef(gradNormSqRef(rg), maxNorm);
      for (let k = 0; k < 3; k++) adamwStepRef(rp[k], rg[k], rm[k], rv[k], s, { ...opt, step });
      cpuLoss.push(rl[0]);
    }
    // f32 vs f64 trajectories drift slowly (Adam normalises every step); 1e-3 bounds 12 steps
    expectClose(gpuLoss, cpuLoss, 'loss curve', { atol: 1e-4, rtol: 1e-3 });
    for (let k = 0; k < 3; k++) expectClose(await ctx.read(P[k]), rp[k], `param ${k} after ${steps} steps`, { atol: 1e-4, rtol: 1e-3 });
    expect(gpuLoss[steps - 1]).toBeLessThan(0.5 * gpuLoss[0]);
    ctx.release(...P, ...G, ...M, ...V, ...e, ...norms, ...de, loss, probs, normSq, scale, flag);
  });
});
