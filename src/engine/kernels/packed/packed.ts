// Frozen weights in their stored precision (bf16 / f16), read by our f32 kernels without the
// 'shader-f16' feature: the tensor is a u32 storage buffer holding two halves per word
// (element 2w in the low half of word w, exactly the bytes of a safetensors BF16/F16 tensor),
// and each kernel that accepts such a weight declares its binding through weightDecl(), which
// also defines `read_<name>(i) -> f32`:
//   bf16: low half  bitcast<f32>(w << 16),  high half  bitcast<f32>(w & 0xffff0000)  (exact)
//   f16:  unpack2x16float(w)[i & 1]                                                   (exact)
// Arithmetic and accumulation stay f32. Only B of matmul / the fused LoRA linear (W), the
// embedding table and lm_head (through matmul) accept packed tensors; every other launcher
// refuses them (checkTensor wants f32). Gradients of packed weights are never computed.
//
// CPU side (the reference of the packed path):
//   toHalves(x, dtype)      f32 → bits, round-to-nearest-even (bf16: RNE on the top 16 bits)
//   roundTrip(x, dtype)     f32 → halves → f32: the values a packed kernel sees
//   uploadHalves(ctx, x, shape, label, dtype)   rounds and uploads as a packed tensor
import type { GpuContext } from '../../gpu/context.ts';
import { halvesToF32, isPackedDtype, type Dtype, type GpuTensor, type PackedDtype } from '../../gpu/tensor.ts';

/** WGSL: the read-only binding `name` of dtype f32 / bf16 / f16 and its reader `read_<name>`. */
export function weightDecl(binding: number, name: string, dtype: Dtype): string {
  const decl = (elt: string) => `@group(0) @binding(${binding}) var<storage, read> ${name}: array<${elt}>;\n`;
  if (dtype === 'bf16') {
    return decl('u32') +
      `fn read_${name}(i: u32) -> f32 {\n  let w = ${name}[i >> 1u];\n` +
      `  return bitcast<f32>(select(w << 16u, w & 0xffff0000u, (i & 1u) == 1u));\n}\n`;
  }
  if (dtype === 'f16') {
    return decl('u32') + `fn read_${name}(i: u32) -> f32 { return unpack2x16float(${name}[i >> 1u])[i & 1u]; }\n`;
  }
  if (dtype !== 'f32') throw new Error(`weightDecl(${name}): dtype ${dtype} cannot be a weight`);
  return decl('f32') + `fn read_${name}(i: u32) -> f32 { return ${name}[i]; }\n`;
}

/** WGSL for vec4 kernels: binding `name` read four elements at a time — `b4(e)` returns
 * elements e…e+3 (e a multiple of 4) and `sb(e)` one element; f32 as vec4f, packed as vec2u
 * (two words = four halves). */
export function weightDecl4(binding: number, dtype: Dtype): string {
  const decl = (elt: string) => `@group(0) @binding(${binding}) var<storage, read> b: array<${elt}>;\n`;
  if (dtype === 'f32') {
    return decl('vec4f') + 'fn b4(e: u32) -> vec4f { return b[e >> 2u]; }\nfn sb(e: u32) -> f32 { return b[e >> 2u][e & 3u]; }\n';
  }
  const half = dtype === 'bf16'
    ? 'fn pk_lo(w: u32) -> f32 { return bitcast<f32>(w << 16u); }\nfn pk_hi(w: u32) -> f32 { return bitcast<f32>(w & 0xffff0000u); }\n'
      + 'fn pk_pair(w: u32) -> vec2f { return vec2f(pk_lo(w), pk_hi(w)); }\n'
    : dtype === 'f16' ? 'fn pk_pair(w: u32) -> vec2f { return unpack2x16float(w); }\n' : null;
  if (!half) throw new Error(`weightDecl4: dtype ${dtype} cannot be a weight`);
  return decl('vec2u') + half
    + 'fn b4(e: u32) -> vec4f { let w = b[e >> 2u]; return vec4f(pk_pair(w.x), pk_pair(w.y)); }\n'
    + 'fn sb(e: u32) -> f32 { return pk_pair(b[e >> 2u][(e >> 1u) & 1u])[e & 1u]; }\n';
}

/** 'f32' | 'bf16' | 'f16' of a weight operand, for pipeline names and code keys. */
export function weightDtype(t: GpuTensor): 'f32' | PackedDtype {
  if (t.dtype === 'f32' || isPackedDtype(t.dtype)) return t.dtype;
  throw new Error(`${t.label}: dtype ${t.dtype} cannot be a weight`);
}

const f = new Float32Array(1);
const u = new Uint32Array(f.buffer);

export function f32ToBf16(x: number): number {
  f[0] = x;
  const b = u[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return ((b >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

export function f32ToF16(x: number): number {
  f[0] = x;
  const bits = u[0];
  const sign = (bits >>> 16) & 0x8000, exp = (bits >>> 23) & 0xff, mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    const full = mant | 0x800000, shift = 14 - e;
    let m = full >>> shift;
    const rem = full & ((1 << shift) - 1), half = 1 << (shift - 1);
    if (rem > half || (rem === half && m & 1)) m++;
    return sign | m;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && h & 1)) h++;
  return sign | h;
}

export function toHalves(x: ArrayLike<number>, dtype: PackedDtype): Uint16Array {
  const conv = dtype === 'bf16' ? f32ToBf16 : f32ToF16;
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = conv(x[i]);
  return out;
}

/** The f32 values a packed kernel reads for `x` stored as `dtype`. */
export function roundTrip(x: ArrayLike<number>, dtype: PackedDtype): Float32Array {
  return halvesToF32(toHalves(x, dtype), dtype);
}

export function uploadHalves(ctx: GpuContext, x: ArrayLike<number>, shape: readonly number[], label: string, dtype: PackedDtype): GpuTensor {
  return ctx.uploadPacked(toHalves(x, dtype), shape, label, dtype);
}
