// Rung (ii): InfoNCE GPU vs CPU reference, forward (loss, saved softmaxes) and backward
// (random dLoss, non-zero initial gradients), odd N and D, N = 1, fixed and learnable tau,
// large logits (tau = 0.01 → |z| up to 100), and the full-batch size N = 1024.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { DEFAULT_LOG_TAU, infoNceBackward, infoNceForward } from './infonce.ts';
import { infoNceBackwardRef, infoNceForwardRef } from './infonce.ref.ts';

function unitRows(n: number, d: number, seed: number, mix?: Float32Array): Float32Array {
  const x = randn(n * d, seed);
  if (mix) for (let k = 0; k < x.length; k++) x[k] = 0.3 * x[k] + mix[k]; // correlated pairs
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] ** 2;
    for (let k = 0; k < d; k++) x[i * d + k] /= Math.sqrt(s);
  }
  return x;
}

describe('InfoNCE on the GPU', () => {
  const gpu = useGpu();

  test.each([
    [1, 16, DEFAULT_LOG_TAU, true],
    [7, 33, DEFAULT_LOG_TAU, false],
    [33, 7, DEFAULT_LOG_TAU, true],
    [65, 64, Math.log(0.2), true],
    [130, 9, Math.log(0.01), true], // |logits| up to 100
    [1024, 8, DEFAULT_LOG_TAU, true], // a whole GradCache batch
  ])('matches the reference n=%i d=%i logTau=%f learnable=%s', async (n, d, lt, learnable) => {
    const ctx = gpu();
    const img = unitRows(n, d, n + d);
    const txt = unitRows(n, d, 3 * n + d, img);
    const dLoss = 0.5 + (n % 3);
    const dImg0 = randn(n * d, 5, 0.1);
    const dTxt0 = randn(n * d, 6, 0.1);
    const t = {
      img: ctx.upload(img, [n, d], 'img'), txt: ctx.upload(txt, [n, d], 'txt'),
      logTau: ctx.upload([lt], [1], 'logTau'), loss: ctx.empty([1], 'loss'), probs: ctx.empty([2, n, n], 'probs'),
      dImg: ctx.upload(dImg0, [n, d], 'dImg'), dTxt: ctx.upload(dTxt0, [n, d], 'dTxt'), dLogTau: ctx.upload([0.25], [1], 'dLogTau'),
    };
    infoNceForward(ctx, t.loss, t.probs, t.img, t.txt, { logTau: t.logTau });
    infoNceBackward(ctx, { dImg: t.dImg, dTxt: t.dTxt, dLogTau: learnable ? t.dLogTau : null }, dLoss, t.img, t.txt, t.probs, { logTau: t.logTau });

    const dims = { n, d, logTau: Math.fround(lt) };
    const rLoss = new Float64Array(1);
    const rProbs = new Float64Array(2 * n * n);
    const [img64, txt64] = [Float64Array.from(img), Float64Array.from(txt)];
    infoNceForwardRef(rLoss, rProbs, img64, txt64, dims);
    const r = { dImg: Float64Array.from(dImg0), dTxt: Float64Array.from(dTxt0), dLogTau: Float64Array.from([0.25]) };
    infoNceBackwardRef({ ...r, dLogTau: learnable ? r.dLogTau : null }, dLoss, img64, txt64, rProbs, dims);

    // probabilities of ~1e-40 underflow differently in f32; absolute tolerance covers them
    expectClose(await ctx.read(t.loss), rLoss, 'loss', { rtol: 1e-4 });
    expectClose(await ctx.read(t.probs), rProbs, 'probs', { atol: 1e-6, rtol: 1e-4 });
    // gradient magnitudes ~ dLoss/(tau·n); atol scaled to that (f32 sums over n terms)
    const gtol = { atol: (2e-5 * dLoss) / Math.exp(lt) / Math.sqrt(n), rtol: 1e-4 };
    expectClose(await ctx.read(t.dImg), r.dImg, 'dImg', gtol);
    expectClose(await ctx.read(t.dTxt), r.dTxt, 'dTxt', gtol);
    expectClose(await ctx.read(t.dLogTau), r.dLogTau, 'dLogTau', { atol: 1e-5 * dLoss, rtol: 1e-4 });
    if (!learnable) expect((await ctx.read(t.dLogTau))[0]).toBe(0.25); // untouched
    ctx.release(...Object.values(t));
  });
});
