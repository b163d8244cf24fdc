// The one argument-error type of every kernel launcher, and the checks that throw it.
// Every message names the launcher (file:function), the tensor label, its shape and dtype,
// so a wrong call is found from the message alone. `name` is stable across the worker
// boundary; launchers with their own name (MatmulShapeError, LoraShapeError,
// EmbeddingIndexError) subclass it, so `instanceof KernelArgumentError` holds for all.
import type { GpuTensor } from '../gpu/tensor.ts';

export class KernelArgumentError extends Error {
  override readonly name: string = 'KernelArgumentError';
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`${where}: ${detail}`);
  }
}

export const show = (t: GpuTensor): string =>
  `${t.label}[${t.shape.join(',')}]${t.dtype === 'f32' ? '' : `:${t.dtype}`}`;

/** Throws KernelArgumentError unless `t` has exactly `shape` (and `dtype`, default f32). */
export function checkTensor(where: string, what: string, t: GpuTensor, shape: readonly number[], dtype = 'f32'): void {
  const okShape = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!okShape || t.dtype !== dtype) {
    throw new KernelArgumentError(where, `${what} is ${show(t)} but should be [${shape.join(',')}] ${dtype}`);
  }
}

/** Throws unless `t` is 2-D; returns [rows, cols]. */
export function dims2(where: string, what: string, t: GpuTensor): [number, number] {
  if (t.shape.length !== 2 || t.dtype !== 'f32') {
    throw new KernelArgumentError(where, `${what} is ${show(t)} but should be a 2-D f32 tensor`);
  }
  return [t.shape[0], t.shape[1]];
}

/** Throws unless `t` holds `size` elements of `dtype` (shape is free: [rows,H] or [B,T,H]). */
export function checkSize(where: string, what: string, t: GpuTensor, size: number, dtype = 'f32'): void {
  if (t.size !== size || t.dtype !== dtype) {
    throw new KernelArgumentError(where, `${what} is ${show(t)} but should hold ${size} ${dtype} elements`);
  }
}

/** Throws unless `t` is f32 (or `dtype`) and its size is a multiple of `cols`; returns rows. */
export function rowsOf(where: string, what: string, t: GpuTensor, cols: number, dtype = 'f32'): number {
  if (t.dtype !== dtype || cols <= 0 || t.size % cols !== 0) {
    throw new KernelArgumentError(where, `${what} is ${show(t)} but should be ${dtype} [rows, ${cols}]`);
  }
  return t.size / cols;
}

/** WebGPU forbids binding one buffer writable and again (read or write) in one dispatch.
 * `all` lists every bound tensor once per binding (written ones included). */
export function checkDistinct(where: string, written: (GpuTensor | null | undefined)[], all: (GpuTensor | null | undefined)[]): void {
  for (const w of written) {
    if (!w) continue;
    const others = all.filter((o) => o && o.buffer === w.buffer);
    if (others.length > 1) {
      const other = others.find((o) => o !== w) ?? w;
      throw new KernelArgumentError(where, `${show(w)} is written but shares its GPU buffer with ${show(other!)} (bound twice); in-place is not supported here`);
    }
  }
}
