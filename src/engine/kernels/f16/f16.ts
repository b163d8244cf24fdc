// f16 storage for frozen weights (no f16 arithmetic: kernels widen to f32 on read).
//
//  * f32ToF16Bits / f16BitsToF32 / roundToF16 — CPU conversion, IEEE 754 binary16,
//    round-to-nearest-even, subnormals kept, overflow → ±inf, NaN stays NaN.
//  * uploadF16 — a GPU weight stored as packed halves (dtype 'f16', two per u32 word), read by
//    kernels through kernels/packed's weightDecl (unpack2x16float; no 'shader-f16' needed).

import type { GpuContext } from '../../gpu/context.ts';
import { numel, type GpuTensor } from '../../gpu/tensor.ts';
import { uploadHalves } from '../packed/packed.ts';

const f32buf = new Float32Array(1);
const u32buf = new Uint32Array(f32buf.buffer);

/** Round-to-nearest-even conversion of one f32 value to binary16 bits. */
export function f32ToF16Bits(x: number): number {
  f32buf[0] = x;
  const bits = u32buf[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // inf / NaN (quiet)
  const e = exp - 127 + 15; // rebiased exponent
  if (e >= 0x1f) return sign | 0x7c00; // overflow → inf
  if (e <= 0) {
    // subnormal half (or zero): value = m · 2^-24 with m = full mantissa >> (14 - e) … rounded
    if (e < -10) return sign; // below half the smallest subnormal → ±0 (ties too: 2^-25 rounds to even 0)
    const full = mant | 0x800000; // implicit 1
    const shift = 14 - e; // 14..24
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (m & 1))) m++;
    return sign | m; // m may carry into the exponent field (becomes the smallest normal): correct
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++; // carry may overflow to inf: correct
  return sign | h;
}

export function f16BitsToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** Every element rounded to the nearest f16 value (returned as f32): the CPU emulation of
 * storing a weight as f16. */
export function roundToF16(x: Float32Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f16BitsToF32(f32ToF16Bits(x[i]));
  return out;
}

/** Packs f32 values as halves into u32 words (odd length: the last high half is 0). */
export function packF16(x: Float32Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(x.length / 2));
  for (let i = 0; i < x.length; i++) {
    const h = f32ToF16Bits(x[i]);
    words[i >>> 1] |= (i & 1 ? h << 16 : h) >>> 0;
  }
  return words;
}

/** Uploads a frozen weight as a packed f16 tensor (kernels/packed: read without 'shader-f16'). */
export function uploadF16(ctx: GpuContext, data: Float32Array, shape: readonly number[], label: string): GpuTensor {
  const size = numel(shape);
  if (size !== data.length) throw new Error(`uploadF16(${label}): ${data.length} values for shape [${shape.join(',')}]`);
  return uploadHalves(ctx, data, shape, label, 'f16');
}
