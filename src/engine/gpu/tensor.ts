// A GPU tensor: a pooled storage buffer plus a row-major shape. Element type is 4 bytes
// (f32 by default; u32/i32 for ids, labels and indices), or 2 bytes for frozen weights kept in
// their stored precision ('bf16' / 'f16': packed two per u32 word, element 2w in the low
// half of word w, read only by kernels that widen them to f32 — see kernels/packed/). The
// buffer may be larger than the tensor's bytes (pool buckets): kernels must bound-check with
// `size`, never arrayLength().

export type Dtype = 'f32' | 'u32' | 'i32' | PackedDtype;
/** Half-width storage of frozen weights (no shader-f16 needed: kernels unpack u32 words). */
export type PackedDtype = 'bf16' | 'f16';

export function isPackedDtype(d: Dtype): d is PackedDtype {
  return d === 'bf16' || d === 'f16';
}

/** Bytes per element of a dtype (2 for the packed halves). */
export function elementBytes(d: Dtype): number {
  return isPackedDtype(d) ? 2 : 4;
}

/** Bytes a tensor of `size` elements occupies (packed: whole u32 words). */
export function storageBytes(size: number, d: Dtype): number {
  return isPackedDtype(d) ? Math.ceil(size / 2) * 4 : size * 4;
}

/** Widens raw halves to f32, exactly (bf16: the top 16 bits of an f32; f16: IEEE binary16). */
export function halvesToF32(bits: Uint16Array, d: PackedDtype): Float32Array {
  const out = new Float32Array(bits.length);
  if (d === 'bf16') {
    const o = new Uint32Array(out.buffer);
    for (let i = 0; i < bits.length; i++) o[i] = bits[i] << 16;
    return out;
  }
  for (let i = 0; i < bits.length; i++) {
    const h = bits[i];
    const s = h & 0x8000 ? -1 : 1, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
    out[i] = e === 0 ? s * m * 2 ** -24 : e === 0x1f ? (m ? NaN : s * Infinity) : s * (1 + m / 1024) * 2 ** (e - 15);
  }
  return out;
}

/** Byte offset of a tensor (view) inside its buffer. */
export function byteOffset(t: GpuTensor): number {
  return (t.offset ?? 0) * elementBytes(t.dtype);
}

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: Dtype;
  readonly label: string;
  /** Views only: first element inside `buffer` (offset·elementBytes must be a multiple of
   * 256 bytes, WebGPU's minStorageBufferOffsetAlignment). A view is never released to the pool. */
  readonly offset?: number;
  readonly isView?: boolean;
  /** Split tensors only (gpu/split.ts): row chunks [rows_k, ...rest], each its own buffer,
   * for a 2-D table above the binding limit (embed_tokens, lm_head). `buffer` is parts[0]'s;
   * only launchers that walk the parts accept one (ctx.dispatch refuses to bind it whole). */
  readonly parts?: readonly GpuTensor[];
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`bad tensor dimension ${d} in shape [${shape.join(', ')}]`);
    n *= d;
  }
  return n;
}

export function shapeStr(t: { shape: readonly number[]; label: string }): string {
  return `${t.label}[${t.shape.join(',')}]`;
}

/** Throws a message naming the tensor when its shape differs from the expected one. */
export function expectShape(t: GpuTensor, expected: readonly number[], where: string): void {
  if (t.shape.length !== expected.length || t.shape.some((d, i) => d !== expected[i])) {
    throw new Error(`${where}: ${shapeStr(t)} should have shape [${expected.join(',')}]`);
  }
}

/** Uniform params are 4-byte scalars packed in order (WGSL struct of u32/i32/f32 fields). */
export type Param = { u32: number } | { i32: number } | { f32: number };
export const u32 = (v: number): Param => ({ u32: v });
export const i32 = (v: number): Param => ({ i32: v });
export const f32 = (v: number): Param => ({ f32: v });

export function packParams(params: readonly Param[], into: DataView, byteOffset: number): void {
  params.forEach((p, i) => {
    const o = byteOffset + 4 * i;
    if ('u32' in p) into.setUint32(o, p.u32 >>> 0, true);
    else if ('i32' in p) into.setInt32(o, p.i32 | 0, true);
    else into.setFloat32(o, p.f32, true);
  });
}
