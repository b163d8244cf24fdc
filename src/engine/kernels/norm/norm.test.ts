// Rung (i): the RMSNorm / LayerNorm CPU references against float64 central differences of
// loss = dot(y, upstream), for every element of x, weight (and bias).
import { describe, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { layerNormBackwardRef, layerNormForwardRef } from './layernorm.ref.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from './rmsnorm.ref.ts';

const TOL = { atol: 1e-6, rtol: 1e-5 };

describe('RMSNorm reference vs finite differences', () => {
  for (const [rows, H, eps, scale] of [
    [3, 7, 1e-5, 1],
    [1, 1, 1e-5, 1],
    [2, 5, 1e-1, 1], // large eps: its term in rstd is visible in the gradient
    [2, 6, 1e-6, 1e-4], // tiny inputs: eps dominates mean(x²)
    [2, 6, 1e-5, 1e4], // huge inputs
  ] as const) {
    test(`rows=${rows} H=${H} eps=${eps} scale=${scale}`, () => {
      const x = f64(randn(rows * H, 1, scale));
      const w = f64(randn(H, 2));
      const up = f64(randn(rows * H, 3));
      const loss = () => {
        const y = new Float64Array(rows * H);
        rmsNormForwardRef(y, new Float64Array(rows), x, w, { eps });
        return dot(y, up);
      };
      const rstd = new Float64Array(rows);
      rmsNormForwardRef(new Float64Array(rows * H), rstd, x, w, { eps });
      const dx = new Float64Array(rows * H);
      const dw = new Float64Array(H);
      rmsNormBackwardRef({ dx, dWeight: dw }, up, x, w, rstd);
      const hx = 1e-6 * scale;
      // finite-difference error scales with 1/scale in dx; compare relative to magnitude
      expectClose(dx, finiteDiff(loss, x, hx), 'dx', { atol: TOL.atol / scale, rtol: TOL.rtol });
      expectClose(dw, finiteDiff(loss, w), 'dWeight', TOL);
    });
  }
});

describe('LayerNorm reference vs finite differences', () => {
  for (const [rows, H, eps] of [
    [3, 7, 1e-6],
    [1, 2, 1e-6],
    [1, 1, 1e-3], // H=1: normalised value is 0 whatever x is; dx = 0, dB = dy
    [2, 9, 0.5],
  ] as const) {
    test(`rows=${rows} H=${H} eps=${eps}`, () => {
      const x = f64(randn(rows * H, 4));
      const w = f64(randn(H, 5));
      const b = f64(randn(H, 6));
      const up = f64(randn(rows * H, 7));
      const loss = () => {
        const y = new Float64Array(rows * H);
        layerNormForwardRef(y, new Float64Array(rows), new Float64Array(rows), x, w, b, { eps });
        return dot(y, up);
      };
      const mean = new Float64Array(rows);
      const rstd = new Float64Array(rows);
      layerNormForwardRef(new Float64Array(rows * H), mean, rstd, x, w, b, { eps });
      const dx = new Float64Array(rows * H);
      const dw = new Float64Array(H);
      const db = new Float64Array(H);
      layerNormBackwardRef({ dx, dWeight: dw, dBias: db }, up, x, w, mean, rstd);
      expectClose(dx, finiteDiff(loss, x), 'dx', TOL);
      expectClose(dw, finiteDiff(loss, w), 'dWeight', TOL);
      expectClose(db, finiteDiff(loss, b), 'dBias', TOL);
    });
  }
});
