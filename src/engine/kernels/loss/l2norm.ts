// L2 normalisation of embedding rows (VladVA: the last-token hidden state is L2-normalised
// before the contrastive loss). Semantics of torch.nn.functional.normalize(x, dim=-1):
//   y = x / max(‖x‖₂, eps), eps = 1e-12 by default.
// x, y, dx, dy: [N,D]; norm: [N] saved by forward = raw ‖x‖₂ (unclamped; backward compares it
// with eps to know whether the clamp was active — see l2norm_backward.wgsl).
// Deviation from the README contract: an optional trailing `{ eps }` on both launchers.
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkTensor, dims2 } from '../args.ts';
import { L2_EPS } from './l2norm.ref.ts';
import fwd from './l2norm.wgsl?raw';
import bwd from './l2norm_backward.wgsl?raw';

export { L2_EPS };

export interface L2Options {
  eps?: number;
}

/** y = x / max(‖x‖, eps) row-wise; norm[i] = ‖x_i‖. Overwrites y and norm. */
export function l2NormalizeForward(ctx: GpuContext, y: GpuTensor, norm: GpuTensor, x: GpuTensor, o: L2Options = {}): void {
  const where = 'l2norm.ts l2NormalizeForward';
  const [n, d] = dims2(where, 'x', x);
  checkTensor(where, 'y', y, [n, d]);
  checkTensor(where, 'norm', norm, [n]);
  ctx.dispatch({
    name: 'l2norm_forward', code: fwd, layout: ['uniform', 'rw', 'rw', 'read'],
    bindings: [y, norm, x], params: [u32(n), u32(d), f32(o.eps ?? L2_EPS)], workgroups: ctx.grid(n),
  });
}

/** dx += ∂(dy·y)/∂x, using the saved y and norm. */
export function l2NormalizeBackward(ctx: GpuContext, dx: GpuTensor, dy: GpuTensor, y: GpuTensor, norm: GpuTensor, o: L2Options = {}): void {
  const where = 'l2norm.ts l2NormalizeBackward';
  const [n, d] = dims2(where, 'y', y);
  checkTensor(where, 'dx', dx, [n, d]);
  checkTensor(where, 'dy', dy, [n, d]);
  checkTensor(where, 'norm', norm, [n]);
  ctx.dispatch({
    name: 'l2norm_backward', code: bwd, layout: ['uniform', 'rw', 'read', 'read', 'read'],
    bindings: [dx, dy, y, norm], params: [u32(n), u32(d), f32(o.eps ?? L2_EPS)], workgroups: ctx.grid(n),
  });
}
