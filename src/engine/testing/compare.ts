// Numeric comparison and finite differences for the correctness ladder.
import { expect } from 'vitest';

export type Vec = Float32Array | Float64Array;

export interface CloseOptions {
  atol?: number;
  rtol?: number;
}

/** Max |a-b| / (atol + rtol*|b|) over all elements; ≤ 1 means close. Reports the worst index. */
export function closeness(actual: ArrayLike<number>, expected: ArrayLike<number>, o: CloseOptions = {}) {
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-4;
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const r = Number.isNaN(a) !== Number.isNaN(b) ? Infinity : Number.isNaN(a) ? 0 : Math.abs(a - b) / (atol + rtol * Math.abs(b));
    if (!(r <= worst)) {
      worst = r;
      at = i;
    }
  }
  return { worst, at };
}

export function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, label: string, o: CloseOptions = {}): void {
  expect(actual.length, `${label}: length`).toBe(expected.length);
  const { worst, at } = closeness(actual, expected, o);
  const msg =
    at < 0 ? label : `${label}: worst at [${at}] got ${actual[at]} expected ${expected[at]} (ratio ${worst.toFixed(2)} of tolerance)`;
  expect(worst, msg).toBeLessThanOrEqual(1);
}

/**
 * Central finite differences in float64 of a scalar loss w.r.t. `x` (modified in place and
 * restored). Returns d loss / d x for every element (or for `indices` only).
 */
export function finiteDiff(loss: () => number, x: Float64Array, eps = 1e-6, indices?: number[]): Float64Array {
  const g = new Float64Array(x.length);
  const idx = indices ?? [...Array(x.length).keys()];
  for (const i of idx) {
    const orig = x[i];
    x[i] = orig + eps;
    const lp = loss();
    x[i] = orig - eps;
    const lm = loss();
    x[i] = orig;
    g[i] = (lp - lm) / (2 * eps);
  }
  return g;
}

/** Dot product, used to contract an output with a random upstream gradient. */
export function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export const f64 = (a: ArrayLike<number>) => Float64Array.from(a as ArrayLike<number>);
