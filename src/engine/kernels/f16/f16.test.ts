// CPU f16 conversion: exact known encodings, round-to-nearest-even at ties (normal and
// subnormal), overflow → inf, every one of the 65536 halves round-trips, random f32 values
// land on the nearest half; and the CPU-emulated f16 weights (roundToF16) keep the LoRA
// linear within the f16 error bound of the f32 path.
import { describe, expect, test } from 'vitest';
import { randn } from '../../testing/random.ts';
import { loraLinearForwardRef } from '../lora/lora.ref.ts';
import { f16BitsToF32, f32ToF16Bits, packF16, roundToF16 } from './f16.ts';

describe('f32 ↔ f16 bits', () => {
  test('known encodings', () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [0.5, 0x3800],
      [65504, 0x7bff], [65519, 0x7bff], [65520, 0x7c00], [1e6, 0x7c00], [-1e6, 0xfc00],
      [Infinity, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -14, 0x0400], [2 ** -24, 0x0001], [2 ** -25, 0x0000], [1.5 * 2 ** -25, 0x0001],
      [3 * 2 ** -25, 0x0002], [5 * 2 ** -25, 0x0002], // subnormal ties → even
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], // normal ties → even
      [2 ** -14 - 2 ** -25, 0x0400], // largest-subnormal tie carries into the smallest normal
      [1e-10, 0x0000], [1 / 3, 0x3555],
    ];
    for (const [x, h] of cases) expect(f32ToF16Bits(x), `f32ToF16Bits(${x})`).toBe(h);
    expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(NaN)))).toBe(true);
    expect(f16BitsToF32(0x7bff)).toBe(65504);
    expect(f16BitsToF32(0x0001)).toBe(2 ** -24);
    expect(Object.is(f16BitsToF32(0x8000), -0)).toBe(true);
  });

  test('all 65536 halves round-trip (NaNs stay NaN)', () => {
    for (let h = 0; h < 0x10000; h++) {
      const v = f16BitsToF32(h);
      if (Number.isNaN(v)) expect(Number.isNaN(f16BitsToF32(f32ToF16Bits(v)))).toBe(true);
      else if (f32ToF16Bits(v) !== h) throw new Error(`half 0x${h.toString(16)} → ${v} → 0x${f32ToF16Bits(v).toString(16)}`);
    }
  });

  test('random f32 values round to the nearest half (ties to even)', () => {
    const xs = Float32Array.from([...randn(20000, 1, 3), ...randn(5000, 2, 1e-5), ...randn(2000, 3, 3e4)]);
    for (const x of xs) {
      const h = f32ToF16Bits(x);
      const v = f16BitsToF32(h);
      if (!Number.isFinite(v)) {
        // IEEE overflow under round-to-nearest: |x| ≥ 65520 (half-way above the max 65504)
        expect(Math.abs(x)).toBeGreaterThanOrEqual(65520);
        continue;
      }
      // neighbours in magnitude (same sign): h-1 and h+1 in the bit order
      for (const nb of [h - 1, h + 1]) {
        if ((nb & 0x7fff) > 0x7c00 || (nb & 0x8000) !== (h & 0x8000) || nb < 0) continue;
        const w = f16BitsToF32(nb);
        const dv = Math.abs(x - v), dw = Math.abs(x - w);
        if (dw < dv || (dw === dv && (h & 1) === 1)) throw new Error(`${x} → ${v} but ${w} is nearer/even`);
      }
    }
  });

  test('packF16 puts element 2i in the low half of word i', () => {
    const w = packF16(Float32Array.from([1, -2, 0.5]));
    expect([...w]).toEqual([(0xc000 << 16 | 0x3c00) >>> 0, 0x3800]);
  });
});

describe('CPU-emulated f16 weights vs the f32 path', () => {
  test('LoRA linear with W rounded to f16 stays within the f16 error bound', () => {
    const d = { N: 9, inF: 96, outF: 40, r: 4 };
    const x = randn(d.N * d.inF, 11), W = randn(d.outF * d.inF, 12, 0.05);
    const A = randn(d.r * d.inF, 13, 0.05), B = randn(d.outF * d.r, 14, 0.05);
    const Wh = roundToF16(W);
    const y = new Float64Array(d.N * d.outF), yh = new Float64Array(d.N * d.outF);
    const u = new Float64Array(d.N * d.r);
    loraLinearForwardRef(y, u, x, W, A, B, d, { scale: 4 });
    loraLinearForwardRef(yh, u, x, Wh, A, B, d, { scale: 4 });
    let maxErr = 0;
    for (let n = 0; n < d.N; n++) {
      for (let m = 0; m < d.outF; m++) {
        // |Δy| ≤ Σ_k |x_k|·|ΔW_k| ≤ 2^-11 · Σ_k |x_k·W_k| (unit roundoff of f16, normal range)
        let bound = 0;
        for (let k = 0; k < d.inF; k++) bound += Math.abs(x[n * d.inF + k] * W[m * d.inF + k]);
        bound *= 2 ** -11;
        const err = Math.abs(yh[n * d.outF + m] - y[n * d.outF + m]);
        expect(err, `y[${n},${m}]`).toBeLessThanOrEqual(bound * (1 + 1e-9));
        maxErr = Math.max(maxErr, err);
      }
    }
    expect(maxErr).toBeGreaterThan(0); // the rounding really changed the weights
  });
});
