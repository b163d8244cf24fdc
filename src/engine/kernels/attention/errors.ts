// Typed errors of the attention launchers. Messages name the file, the launcher and the
// offending tensor with its shape; `name` is stable (it crosses the worker boundary).
import type { GpuTensor } from '../../gpu/tensor.ts';

export class AttentionArgumentError extends Error {
  override readonly name = 'AttentionArgumentError';
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`${where}: ${detail}`);
  }
}

export const showTensor = (t: GpuTensor) => `${t.label}[${t.shape.join(',')}]${t.dtype === 'f32' ? '' : `:${t.dtype}`}`;

/** Throws AttentionArgumentError unless `t` has exactly `shape` and `dtype` (default f32). */
export function checkTensor(where: string, what: string, t: GpuTensor, shape: readonly number[], dtype = 'f32'): void {
  const okShape = t.shape.length === shape.length && t.shape.every((d, i) => d === shape[i]);
  if (!okShape || t.dtype !== dtype) {
    throw new AttentionArgumentError(where, `${what} is ${showTensor(t)} but should be [${shape.join(',')}] ${dtype}`);
  }
}
