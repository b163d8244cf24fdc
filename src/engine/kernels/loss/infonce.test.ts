// Rung (i): InfoNCE CPU reference vs float64 central differences of dLoss·loss with respect
// to img, txt and logTau (the learnable-temperature gradient included).
import { describe, expect, test } from 'vitest';
import { expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { DEFAULT_LOG_TAU, infoNceBackwardRef, infoNceForwardRef } from './infonce.ref.ts';

function unitRows(n: number, d: number, seed: number): Float64Array {
  const x = f64(randn(n * d, seed));
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let k = 0; k < d; k++) s += x[i * d + k] ** 2;
    for (let k = 0; k < d; k++) x[i * d + k] /= Math.sqrt(s);
  }
  return x;
}

describe('InfoNCE reference', () => {
  test.each([
    [1, 3, DEFAULT_LOG_TAU],
    [4, 5, DEFAULT_LOG_TAU],
    [7, 3, Math.log(0.5)],
    [5, 8, 0.3],
  ])('gradients match finite differences n=%i d=%i logTau=%f', (n, d, lt) => {
    const img = unitRows(n, d, 10 + n);
    const txt = unitRows(n, d, 20 + d);
    const logTau = f64([lt]);
    const dLoss = 0.7;
    const loss = new Float64Array(1);
    const probs = new Float64Array(2 * n * n);
    const f = () => {
      infoNceForwardRef(loss, probs, img, txt, { n, d, logTau: logTau[0] });
      return dLoss * loss[0];
    };
    const nImg = finiteDiff(f, img);
    const nTxt = finiteDiff(f, txt);
    const nTau = finiteDiff(f, logTau);
    f();
    const dImg = new Float64Array(n * d).fill(0.5); // accumulation on a non-zero start
    const dTxt = new Float64Array(n * d).fill(-0.25);
    const dLogTau = f64([1]);
    infoNceBackwardRef({ dImg, dTxt, dLogTau }, dLoss, img, txt, probs, { n, d, logTau: lt });
    const tol = { atol: 1e-6, rtol: 1e-6 };
    expectClose(dImg.map((v) => v - 0.5), nImg, 'dImg', tol);
    expectClose(dTxt.map((v) => v + 0.25), nTxt, 'dTxt', tol);
    expectClose([dLogTau[0] - 1], nTau, 'dLogTau', tol);
    if (n === 1) expect(loss[0]).toBe(0); // a single pair: both softmaxes are 1
  });

  test('loss of perfectly aligned pairs at tau = 0.05 is near 0; rows and columns sum to 1', () => {
    const n = 6, d = 6;
    const img = new Float64Array(n * d);
    for (let i = 0; i < n; i++) img[i * d + i] = 1; // orthonormal: z = I/0.05
    const loss = new Float64Array(1);
    const probs = new Float64Array(2 * n * n);
    infoNceForwardRef(loss, probs, img, img, { n, d, logTau: DEFAULT_LOG_TAU });
    expect(loss[0]).toBeCloseTo(Math.log(1 + (n - 1) * Math.exp(-20)), 12);
    for (let i = 0; i < n; i++) {
      let r = 0, c = 0;
      for (let j = 0; j < n; j++) { r += probs[i * n + j]; c += probs[n * n + j * n + i]; }
      expect(r).toBeCloseTo(1, 12);
      expect(c).toBeCloseTo(1, 12);
    }
  });
});
