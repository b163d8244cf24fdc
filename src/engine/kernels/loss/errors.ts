// Typed errors for the loss and optimizer launchers (src/engine/kernels/loss, …/optim).
// Messages name the file, the launcher and the offending tensor with its shape, so a wrong
// call is found from the message alone. `name` is stable (it crosses the worker boundary).
import type { GpuTensor } from '../../gpu/tensor.ts';

export class KernelArgumentError extends Error {
  override readonly name = 'KernelArgumentError';
  constructor(
    readonly where: string,
    detail: string,
  ) {
    super(`${where}: ${detail}`);
  }
}

const show = (t: GpuTensor) => `${t.label}[${t.shape.join(',')}]${t.dtype === 'f32' ? '' : `:${t.dtype}`}`;

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
