// Rung (i): CPU reference vs float64 central finite differences of dot(y, upstream).
import { describe, expect, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { l2NormalizeBackwardRef, l2NormalizeForwardRef } from './l2norm.ref.ts';

describe('l2norm reference', () => {
  test.each([
    [1, 1],
    [3, 7],
    [5, 33],
  ])('gradient matches finite differences n=%i d=%i', (n, d) => {
    const x = f64(randn(n * d, 1 + n * d));
    const up = f64(randn(n * d, 2 + d));
    const y = new Float64Array(n * d);
    const norm = new Float64Array(n);
    const loss = () => {
      l2NormalizeForwardRef(y, norm, x, { n, d });
      return dot(y, up);
    };
    const num = finiteDiff(loss, x);
    loss();
    const dx = new Float64Array(n * d).fill(0.25); // accumulation on top of a non-zero start
    l2NormalizeBackwardRef(dx, up, y, norm, { n, d });
    expectClose(dx.map((v) => v - 0.25), num, 'dx', { atol: 1e-7, rtol: 1e-6 });
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += y[i * d + j] ** 2;
      expect(s).toBeCloseTo(1, 12);
    }
  });

  test('clamped rows (‖x‖ ≤ eps) are linear: y = x/eps, dx = dy/eps; zero row stays finite', () => {
    const eps = 1e-3;
    const n = 2, d = 4;
    const x = f64([0, 0, 0, 0, 1e-4, -2e-4, 3e-4, 0]);
    const up = f64(randn(n * d, 9));
    const y = new Float64Array(n * d);
    const norm = new Float64Array(n);
    const loss = () => {
      l2NormalizeForwardRef(y, norm, x, { n, d, eps });
      return dot(y, up);
    };
    const num = finiteDiff(loss, x, 1e-9); // stays inside the clamp region
    loss();
    expect([...y.slice(0, 4)]).toEqual([0, 0, 0, 0]);
    const dx = new Float64Array(n * d);
    l2NormalizeBackwardRef(dx, up, y, norm, { n, d, eps });
    expectClose(dx, num, 'dx clamped', { atol: 1e-6, rtol: 1e-6 });
    expect(dx.every(Number.isFinite)).toBe(true);
  });
});
