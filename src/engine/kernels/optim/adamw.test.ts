// Rung (i) for the optimizer: there is no gradient to finite-difference, so the CPU reference
// is checked step for step against torch.optim.AdamW + clip_grad_norm_ (adamw.golden.json,
// float64, made by adamw_golden.py with Debian's torch 1.13) — an oracle written by other hands.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import golden from './adamw.golden.json';
import { adamwStepRef, clipScaleRef, gradNormSqRef, hasNonFinite } from './adamw.ref.ts';
import { nonFiniteNames } from './adamw.ts';

describe('AdamW reference vs torch.optim.AdamW', () => {
  test('matches torch step for step (lr schedule, clipping on and off)', () => {
    const params = golden.init.map((p) => Float64Array.from(p));
    const m = params.map((p) => new Float64Array(p.length));
    const v = params.map((p) => new Float64Array(p.length));
    let clipped = 0;
    for (const s of golden.steps) {
      const normSq = gradNormSqRef(s.grads);
      expect(Math.sqrt(normSq)).toBeCloseTo(s.totalNorm, 12);
      const scale = clipScaleRef(normSq, s.maxNorm);
      if (scale < 1) clipped++;
      params.forEach((p, k) =>
        adamwStepRef(p, Float64Array.from(s.grads[k]), m[k], v[k], scale, { ...golden.config, lr: s.lr, step: s.step }),
      );
      params.forEach((p, k) => {
        expectClose(p, s.params[k], `param ${k} step ${s.step}`, { atol: 1e-14, rtol: 1e-12 });
        expectClose(m[k], s.exp_avg[k], `exp_avg ${k} step ${s.step}`, { atol: 1e-14, rtol: 1e-12 });
        expectClose(v[k], s.exp_avg_sq[k], `exp_avg_sq ${k} step ${s.step}`, { atol: 1e-14, rtol: 1e-12 });
      });
    }
    expect(clipped).toBe(3); // the fixture clips on odd steps only
  });

  test('first step without decay moves every weight by lr·sign(g) (Adam invariant)', () => {
    const p = Float64Array.from([1, -2, 3]);
    adamwStepRef(p, Float64Array.from([0.3, -5, 1e-3]), new Float64Array(3), new Float64Array(3), 1, {
      lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-12, weightDecay: 0, step: 1,
    });
    expectClose(p, [0.9, -1.9, 2.9], 'p', { atol: 1e-9, rtol: 0 });
  });

  test('clip scale and non-finite helpers', () => {
    expect(clipScaleRef(0, 1)).toBe(1);
    expect(clipScaleRef(16, 2)).toBeCloseTo(0.5, 6);
    expect(hasNonFinite([1, NaN])).toBe(true);
    expect(hasNonFinite([1, -Infinity])).toBe(true);
    expect(hasNonFinite([1, 3e38])).toBe(false);
    expect(nonFiniteNames(0b101, ['loss', 'gradNorm', 'x'])).toEqual(['loss', 'x']);
    expect(nonFiniteNames(1 << 31, Array.from({ length: 40 }, (_, i) => `t${i}`)).length).toBe(9); // t31..t39
  });
});
