// Rung (i): bias-add reference vs float64 central differences.
import { test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { addBiasBackwardRef, addBiasForwardRef } from './bias.ref.ts';

test('bias add: dx and dBias vs finite differences', () => {
  const rows = 5, H = 7;
  const x = f64(randn(rows * H, 1)), b = f64(randn(H, 2)), up = f64(randn(rows * H, 3));
  const loss = () => {
    const y = new Float64Array(rows * H);
    addBiasForwardRef(y, x, b);
    return dot(y, up);
  };
  const dx = new Float64Array(rows * H), db = new Float64Array(H);
  addBiasBackwardRef({ dx, dBias: db }, up, H);
  expectClose(dx, finiteDiff(loss, x), 'dx', { atol: 1e-8 });
  expectClose(db, finiteDiff(loss, b), 'dBias', { atol: 1e-8 });
});
