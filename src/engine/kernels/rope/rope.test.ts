// Rung (i): RoPE CPU reference vs float64 central differences of dot(rope(x), upstream);
// plus the HF float32 inv_freq / angle conventions.
import { describe, expect, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { ropeAngle, ropeInvFreq } from './freqs.ts';
import { ropeBackwardRef, ropeForwardRef } from './rope.ref.ts';

describe('RoPE reference', () => {
  for (const [rows, heads, headDim, theta] of [
    [3, 2, 8, 10000],
    [1, 1, 2, 10000],
    [2, 3, 6, 100000],
  ] as const) {
    test(`backward = gradient (rows=${rows} heads=${heads} D=${headDim} theta=${theta})`, () => {
      const o = { heads, headDim, theta };
      const positions = Uint32Array.from({ length: rows }, (_, r) => [0, 5, 2047][r % 3]);
      const x = f64(randn(rows * heads * headDim, 1));
      const up = f64(randn(x.length, 2));
      const loss = () => {
        const y = Float64Array.from(x);
        ropeForwardRef(y, positions, o);
        return dot(y, up);
      };
      const g = Float64Array.from(up);
      ropeBackwardRef(g, positions, o);
      expectClose(g, finiteDiff(loss, x), 'dx', { atol: 1e-7, rtol: 1e-6 });
    });
  }

  test('position 0 is the identity; forward then backward is the identity', () => {
    const o = { heads: 2, headDim: 4, theta: 10000 };
    const x = f64(randn(16, 3));
    const y = Float64Array.from(x);
    ropeForwardRef(y, [0, 0], o);
    expect([...y]).toEqual([...x]);
    ropeForwardRef(y, [9, 2048], o);
    ropeBackwardRef(y, [9, 2048], o);
    expectClose(y, x, 'roundtrip', { atol: 1e-12, rtol: 0 });
  });

  test('inv_freq and angles follow HF float32 semantics', () => {
    const inv = ropeInvFreq(64, 100000);
    expect(inv.length).toBe(32);
    expect(inv[0]).toBe(1);
    // theta^(-2i/D) in float64 agrees to f32 rounding
    for (let i = 0; i < 32; i++) expect(Math.abs(inv[i] - 100000 ** (-i / 32)) / inv[i]).toBeLessThan(2e-7);
    // the angle is a float32 product: at pos 2047 it is not the float64 product
    const a = ropeAngle(2047, inv[1]);
    expect(a).toBe(Math.fround(a));
    expect(Math.abs(a - 2047 * inv[1])).toBeLessThanOrEqual(2 ** -24 * 2047);
  });
});
