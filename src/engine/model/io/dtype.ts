/**
 * Half-precision conversions used by safetensors reading and writing.
 *
 * Public API:
 *   f16BitsToF32(h), f32ToF16Bits(x)      — IEEE binary16, round-to-nearest-even, subnormals,
 *                                           overflow → ±Inf, NaN kept NaN
 *   bf16BitsToF32(b), f32ToBf16Bits(x)    — bfloat16 = top 16 bits of float32, RNE rounding
 *   decodeToF32(dtype, bytes, n) / decodeToF16Bits(dtype, bytes, n) / encodeFromF32(dtype, data)
 * Trap: the input bytes may sit at any byte offset; we copy to an aligned buffer before
 * viewing them as typed arrays (safetensors offsets are only guaranteed 8-aligned inside the
 * data section, and HTTP/Blob reads return fresh buffers anyway).
 */

export type SafeDtype = 'F32' | 'F16' | 'BF16';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f16BitsToF32(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24; // zero / subnormal
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

export function f32ToF16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // Inf / NaN
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00; // overflow → Inf
  if (e <= 0) {
    // subnormal half (or zero): value = mant_with_hidden * 2^(e-1-23+... )
    if (e < -10) return sign; // underflows to ±0
    mant |= 0x800000;
    const shift = 14 - e; // bits to drop so that the result is in units of 2^-24
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && r & 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && r & 1)) r++; // may carry into exponent: still correct
  return sign | r;
}

export function bf16BitsToF32(b: number): number {
  u32[0] = b << 16;
  return f32[0];
}

export function f32ToBf16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return ((b >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function aligned(bytes: Uint8Array): ArrayBuffer {
  return bytes.slice().buffer as ArrayBuffer;
}

export function bytesPerElement(dtype: SafeDtype): number {
  return dtype === 'F32' ? 4 : 2;
}

export function decodeToF32(dtype: SafeDtype, bytes: Uint8Array, n: number): Float32Array {
  if (dtype === 'F32') return new Float32Array(aligned(bytes), 0, n);
  const h = new Uint16Array(aligned(bytes), 0, n);
  const out = new Float32Array(n);
  if (dtype === 'BF16') {
    const o32 = new Uint32Array(out.buffer);
    for (let i = 0; i < n; i++) o32[i] = h[i] << 16;
  } else {
    for (let i = 0; i < n; i++) out[i] = f16BitsToF32(h[i]);
  }
  return out;
}

export function decodeToF16Bits(dtype: SafeDtype, bytes: Uint8Array, n: number): Uint16Array {
  if (dtype === 'F16') return new Uint16Array(aligned(bytes), 0, n);
  const f = decodeToF32(dtype, bytes, n);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = f32ToF16Bits(f[i]);
  return out;
}

/** Encodes float data (or, for F16/BF16, already-converted Uint16Array bits) as LE bytes. */
export function encodeFromF32(dtype: SafeDtype, data: Float32Array | Uint16Array): Uint8Array {
  if (data instanceof Uint16Array) {
    if (dtype === 'F32') throw new TypeError('encodeFromF32: Uint16Array bits given for an F32 tensor');
    return new Uint8Array(data.slice().buffer);
  }
  if (dtype === 'F32') return new Uint8Array(data.slice().buffer);
  const out = new Uint16Array(data.length);
  const conv = dtype === 'BF16' ? f32ToBf16Bits : f32ToF16Bits;
  for (let i = 0; i < data.length; i++) out[i] = conv(data[i]);
  return new Uint8Array(out.buffer);
}
