// Bias add broadcast over rows (nn.Linear bias after a matmul, SigLIP linears):
//   addBiasForward(ctx, out, x, bias)              out[r, c] = x[r, c] + bias[c]; out may be x
//   addBiasBackward(ctx, { dx, dBias }, dout)       dx += dout; dBias += Σ_rows dout (either null)
// x, out, dout, dx [rows, H] (any leading shape, H = bias.size). Not a row of the op table:
// its bias gradient is a reduction over rows, done deterministically with per-chunk partials
// and the norms' column-sum kernel (norm/partials.ts).
import type { GpuContext } from '../../gpu/context.ts';
import { u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkDistinct, checkSize, rowsOf } from '../args.ts';
import { MAX_PARTIALS, colsum } from '../norm/partials.ts';
import fwdCode from './bias.wgsl?raw';
import bwdCode from './bias_backward.wgsl?raw';

const FILE = 'elementwise/bias.ts';

export function addBiasForward(ctx: GpuContext, out: GpuTensor, x: GpuTensor, bias: GpuTensor): void {
  const where = `${FILE}:addBiasForward`;
  const H = bias.size;
  const rows = rowsOf(where, 'x', x, H);
  checkSize(where, 'out', out, rows * H);
  const inPlace = out === x;
  const xT = inPlace ? ctx.empty([1], 'bias_x_unused') : x;
  checkDistinct(where, [out], [out, xT, bias]);
  if (rows * H > 0) {
    ctx.dispatch({
      name: 'add_bias_forward',
      code: fwdCode,
      overrides: { IN_PLACE: inPlace ? 1 : 0 },
      layout: ['uniform', 'rw', 'read', 'read'],
      bindings: [out, xT, bias],
      params: [u32(rows * H), u32(H)],
      workgroups: ctx.grid(Math.ceil((rows * H) / 256)),
    });
  }
  if (inPlace) ctx.release(xT);
}

export function addBiasBackward(ctx: GpuContext, grads: { dx: GpuTensor | null; dBias: GpuTensor | null }, dout: GpuTensor): void {
  const where = `${FILE}:addBiasBackward`;
  const { dx, dBias } = grads;
  const H = dBias ? dBias.size : dout.shape[dout.shape.length - 1];
  const rows = rowsOf(where, 'dout', dout, H);
  if (dx) checkSize(where, 'dx', dx, rows * H);
  checkDistinct(where, [dx, dBias], [dx, dBias, dout]);
  if ((!dx && !dBias) || rows * H === 0) return;
  const G = Math.min(rows, MAX_PARTIALS);
  const chunk = Math.ceil(rows / G);
  const dxT = dx ?? ctx.empty([1], 'bias_dx_unused');
  const partial = ctx.empty([G, H], 'bias_partial');
  ctx.dispatch({
    name: 'add_bias_backward',
    code: bwdCode,
    overrides: { HAS_DX: dx ? 1 : 0 },
    layout: ['uniform', 'rw', 'rw', 'read'],
    bindings: [dxT, partial, dout],
    params: [u32(rows), u32(H), u32(chunk)],
    workgroups: [Math.ceil(H / 256), G],
  });
  if (dBias) colsum(ctx, dBias, partial, G, H, H, 0);
  ctx.release(partial);
  if (!dx) ctx.release(dxT);
}
