// A GPU tensor: a pooled storage buffer plus a row-major shape. Element type is 4 bytes
// (f32 by default; u32/i32 for ids, labels and indices). The buffer may be larger than
// size*4 bytes (pool buckets): kernels must bound-check with `size`, never arrayLength().

export type Dtype = 'f32' | 'u32' | 'i32';

export interface GpuTensor {
  readonly buffer: GPUBuffer;
  readonly shape: readonly number[];
  readonly size: number;
  readonly dtype: Dtype;
  readonly label: string;
  /** Views only: first element inside `buffer` (offset*4 must be a multiple of 256 bytes,
   * WebGPU's minStorageBufferOffsetAlignment). A view is never released to the pool. */
  readonly offset?: number;
  readonly isView?: boolean;
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
