// LayerNorm launchers (SigLIP nn.LayerNorm with bias). x, y, dx, dy: [rows, H] (any leading
// shape of size rows·H, H = weight.size); weight, bias, dWeight, dBias [H];
// mean, rstd [rows] are forward's saved outputs.
//   layerNormForward(ctx, y, mean, rstd, x, weight, bias, { eps })
//   layerNormBackward(ctx, { dx, dWeight, dBias }, dy, x, weight, mean, rstd) — accumulates;
//   any grad may be null.
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkDistinct, checkSize, rowsOf } from './args.ts';
import { colsum, normGroups } from './partials.ts';
import wgSum from './wg_sum.wgsl?raw';
import fwdWgsl from './layernorm.wgsl?raw';
import bwdWgsl from './layernorm_backward.wgsl?raw';

// The shared workgroup reduction is prepended (WGSL has no imports).
const fwdCode = wgSum + fwdWgsl;
const bwdCode = wgSum + bwdWgsl;

const FILE = 'norm/layernorm.ts';

export function layerNormForward(
  ctx: GpuContext,
  y: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  bias: GpuTensor,
  opts: { eps: number },
): void {
  const where = `${FILE}:layerNormForward`;
  const H = weight.size;
  const rows = rowsOf(where, 'x', x, H);
  checkSize(where, 'y', y, rows * H);
  checkSize(where, 'mean', mean, rows);
  checkSize(where, 'rstd', rstd, rows);
  checkSize(where, 'bias', bias, H);
  checkDistinct(where, [y, mean, rstd], [y, mean, rstd, x, weight, bias]);
  ctx.dispatch({
    name: 'layernorm_forward',
    code: fwdCode,
    layout: ['uniform', 'rw', 'rw', 'rw', 'read', 'read', 'read'],
    bindings: [y, mean, rstd, x, weight, bias],
    params: [u32(rows), u32(H), f32(opts.eps)],
    workgroups: ctx.grid(rows),
  });
}

export function layerNormBackward(
  ctx: GpuContext,
  grads: { dx: GpuTensor | null; dWeight: GpuTensor | null; dBias: GpuTensor | null },
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
): void {
  const where = `${FILE}:layerNormBackward`;
  const { dx, dWeight, dBias } = grads;
  const H = weight.size;
  const rows = rowsOf(where, 'x', x, H);
  checkSize(where, 'dy', dy, rows * H);
  checkSize(where, 'mean', mean, rows);
  checkSize(where, 'rstd', rstd, rows);
  if (dx) checkSize(where, 'dx', dx, rows * H);
  if (dWeight) checkSize(where, 'dWeight', dWeight, H);
  if (dBias) checkSize(where, 'dBias', dBias, H);
  checkDistinct(where, [dx, dWeight, dBias], [dx, dWeight, dBias, dy, x, weight, mean, rstd]);
  const params = !!(dWeight || dBias);
  if ((!dx && !params) || rows === 0) return;
  const G = normGroups(ctx, rows, params);
  const dxT = dx ?? ctx.empty([1], 'layernorm_dx_unused');
  const partial = params ? ctx.empty([G, 2, H], 'layernorm_dwb_partial') : ctx.empty([1], 'layernorm_partial_unused');
  ctx.dispatch({
    name: 'layernorm_backward',
    code: bwdCode,
    overrides: { HAS_DX: dx ? 1 : 0, HAS_DWB: params ? 1 : 0 },
    layout: ['uniform', 'rw', 'rw', 'read', 'read', 'read', 'read', 'read'],
    bindings: [dxT, partial, dy, x, weight, mean, rstd],
    params: [u32(rows), u32(H), u32(G)],
    workgroups: [G],
  });
  if (dWeight) colsum(ctx, dWeight, partial, G, H, 2 * H, 0);
  if (dBias) colsum(ctx, dBias, partial, G, H, 2 * H, H);
  ctx.release(partial);
  if (!dx) ctx.release(dxT);
}
