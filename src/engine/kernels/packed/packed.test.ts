// The CPU side of packed frozen weights: bf16/f16 rounding (round-to-nearest-even), the
// round trip the kernels see, the u32 word layout the context uploads, and the generated WGSL.
import { describe, expect, test } from 'vitest';
import { halvesToF32 } from '../../gpu/tensor.ts';
import { bf16BitsToF32, f32ToBf16Bits, f32ToF16Bits } from '../../model/io/dtype.ts';
import { randn } from '../../testing/random.ts';
import { f32ToBf16, roundTrip, toHalves, weightDecl, weightDecl4 } from './packed.ts';

describe('packed weights (CPU)', () => {
  test('bf16 rounding: exact values kept, ties to even, NaN stays NaN, ±Inf kept', () => {
    expect(f32ToBf16(1)).toBe(0x3f80);
    expect(f32ToBf16(-2)).toBe(0xc000);
    expect(f32ToBf16(1 + 2 ** -8)).toBe(0x3f80); // tie → even (down)
    expect(f32ToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82); // tie → even (up)
    expect(f32ToBf16(1 + 2 ** -8 + 2 ** -20)).toBe(0x3f81); // above the tie → up
    expect(Number.isNaN(bf16BitsToF32(f32ToBf16(NaN)))).toBe(true);
    expect(f32ToBf16(Infinity)).toBe(0x7f80);
    expect(f32ToBf16(3.5e38)).toBe(0x7f80); // above bf16 max rounds to Inf
  });

  test('agrees with the safetensors codec (an independent implementation) on random values', () => {
    const x = randn(4096, 1, 3);
    expect([...toHalves(x, 'bf16')]).toEqual(Array.from(x, f32ToBf16Bits));
    expect([...toHalves(x, 'f16')]).toEqual(Array.from(x, f32ToF16Bits));
  });

  test('round trip: bf16 keeps 8 significant bits (error ≤ 2^-8 relative: 7 stored mantissa bits), idempotent', () => {
    const x = randn(1000, 2);
    const r = roundTrip(x, 'bf16');
    for (let i = 0; i < x.length; i++) expect(Math.abs(r[i] - x[i])).toBeLessThanOrEqual(Math.abs(x[i]) * 2 ** -8);
    expect([...roundTrip(r, 'bf16')]).toEqual([...r]);
    expect(r.some((v, i) => v !== x[i])).toBe(true);
    const h = roundTrip(x, 'f16');
    expect([...halvesToF32(toHalves(h, 'f16'), 'f16')]).toEqual([...h]);
  });

  test('WGSL declarations: u32 storage for halves, f32 otherwise', () => {
    expect(weightDecl(2, 'b', 'bf16')).toMatch(/var<storage, read> b: array<u32>;[\s\S]*w << 16u[\s\S]*0xffff0000u/);
    expect(weightDecl(3, 'table', 'f16')).toMatch(/array<u32>[\s\S]*unpack2x16float\(table\[i >> 1u\]\)\[i & 1u\]/);
    expect(weightDecl(2, 'b', 'f32')).toMatch(/array<f32>[\s\S]*return b\[i\]/);
    expect(() => weightDecl(2, 'b', 'u32')).toThrow(/cannot be a weight/);
    expect(weightDecl4(2, 'bf16')).toMatch(/array<vec2u>[\s\S]*fn b4\(e: u32\) -> vec4f[\s\S]*fn sb/);
    expect(weightDecl4(2, 'f32')).toMatch(/array<vec4f>/);
  });
});
