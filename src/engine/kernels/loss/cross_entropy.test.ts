// Rung (i): cross-entropy CPU reference vs float64 central differences of dLoss·loss with
// respect to h and W, with ignored rows; plus the all-ignored and invalid-label contracts.
import { describe, expect, test } from 'vitest';
import { expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randInt, randn } from '../../testing/random.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef, IGNORE_INDEX } from './cross_entropy.ref.ts';

describe('cross-entropy reference', () => {
  test.each([
    [1, 3, 5],
    [5, 4, 7],
    [6, 2, 11],
  ])('gradients match finite differences n=%i hidden=%i vocab=%i', (n, hidden, vocab) => {
    const dims = { n, hidden, vocab };
    const h = f64(randn(n * hidden, n + 1));
    const W = f64(randn(vocab * hidden, vocab + 2));
    const labels = randInt(n, 3 + n, vocab);
    if (n > 2) labels[1] = IGNORE_INDEX;
    const dLoss = 1.3;
    const loss = new Float64Array(1);
    const lse = new Float64Array(n);
    const f = () => {
      crossEntropyForwardRef(loss, lse, h, W, labels, dims);
      return dLoss * loss[0];
    };
    const nh = finiteDiff(f, h);
    const nW = finiteDiff(f, W);
    f();
    const dh = new Float64Array(n * hidden).fill(0.5);
    const dW = new Float64Array(vocab * hidden).fill(-1);
    crossEntropyBackwardRef({ dh, dW }, dLoss, h, W, labels, lse, dims);
    expectClose(dh.map((x) => x - 0.5), nh, 'dh', { atol: 1e-7, rtol: 1e-6 });
    expectClose(dW.map((x) => x + 1), nW, 'dW', { atol: 1e-7, rtol: 1e-6 });
    if (n > 2) expect(nh.slice(hidden, 2 * hidden).every((g) => g === 0)).toBe(true); // ignored row
  });

  test('all rows ignored → loss 0, no gradient; an invalid label → NaN loss', () => {
    const dims = { n: 3, hidden: 2, vocab: 4 };
    const h = f64(randn(6, 1));
    const W = f64(randn(8, 2));
    const loss = new Float64Array(1);
    const lse = new Float64Array(3);
    const labels = new Int32Array(3).fill(IGNORE_INDEX);
    crossEntropyForwardRef(loss, lse, h, W, labels, dims);
    expect(loss[0]).toBe(0);
    const dh = new Float64Array(6);
    crossEntropyBackwardRef({ dh, dW: null }, 1, h, W, labels, lse, dims);
    expect(dh.every((x) => x === 0)).toBe(true);
    crossEntropyForwardRef(loss, lse, h, W, Int32Array.from([0, 4, IGNORE_INDEX]), dims);
    expect(loss[0]).toBeNaN();
  });
});
