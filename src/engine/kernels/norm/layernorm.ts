// LayerNorm launchers (SigLIP nn.LayerNorm with bias). x, y, dx, dy: [rows, H] (any leading
// shape of size rows·H, H = weight.size); weight, bias, dWeight, dBias [H];
// mean, rstd [rows] are forward's saved outputs.
//   layerNormForward(ctx, y, mean, rstd, x, weight, bias, { eps })
//   layerNormBackward(ctx, { dx, dWeight, dBias }, dy, x, weight, mean, rstd) — accumulates;
//   any grad may be null.
// Two kernel sets, one contract, chosen per shape and adapter by normPath (path.ts): 'workgroup'
// (layernorm.wgsl, layernorm_backward.wgsl: a workgroup per row, barrier reductions; real
// GPUs) and 'rows' (layernorm_rows*.wgsl: an invocation per row / per column; CPU adapters).
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkDistinct, checkSize, rowsOf } from '../args.ts';
import { colsum, MAX_PARTIALS, normGroups } from './partials.ts';
import { normPath, ROWS_WG, rowChunks } from './path.ts';
import wgSum from './wg_sum.wgsl?raw';
import fwdWgsl from './layernorm.wgsl?raw';
import bwdWgsl from './layernorm_backward.wgsl?raw';
import rowsFwdCode from './layernorm_rows.wgsl?raw';
import rowsBwdCode from './layernorm_rows_backward.wgsl?raw';

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
  const rowsPath = normPath(ctx, { kind: 'layernorm', dir: 'forward', rows, H, dx: false, dWeight: false }) === 'rows';
  ctx.dispatch({
    name: rowsPath ? 'layernorm_forward_rows' : 'layernorm_forward',
    code: rowsPath ? rowsFwdCode : fwdCode,
    layout: ['uniform', 'rw', 'rw', 'rw', 'read', 'read', 'read'],
    bindings: [y, mean, rstd, x, weight, bias],
    params: [u32(rows), u32(H), f32(opts.eps)],
    workgroups: ctx.grid(rowsPath ? Math.ceil(rows / ROWS_WG) : rows),
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
  const shape = { kind: 'layernorm', dir: 'backward', rows, H, dx: !!dx, dWeight: params } as const;
  if (normPath(ctx, shape) === 'rows') return rowsBackward(ctx, grads, dy, x, weight, mean, rstd, rows, H);
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

/** 'rows' path: dx (an invocation per row) and dWeight/dBias (an invocation per column and
 * row chunk) in one dispatch; with more than one chunk, colsum adds partials in chunk order. */
function rowsBackward(
  ctx: GpuContext,
  grads: { dx: GpuTensor | null; dWeight: GpuTensor | null; dBias: GpuTensor | null },
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  mean: GpuTensor,
  rstd: GpuTensor,
  rows: number,
  H: number,
): void {
  const { dx, dWeight, dBias } = grads;
  const params = !!(dWeight || dBias);
  const { G, R } = rowChunks(rows, MAX_PARTIALS);
  const nDx = dx ? Math.ceil(rows / ROWS_WG) : 0;
  const nW = Math.ceil(H / ROWS_WG);
  // G = 1 accumulates into the gradient itself; G > 1 (or a null gradient next to a non-null
  // one) writes a scratch [G, H] that colsum adds (or that is dropped).
  const out = (g: GpuTensor | null, what: string): GpuTensor =>
    !params ? ctx.empty([1], `layernorm_${what}_unused`) : g && G === 1 ? g : ctx.empty([G, H], `layernorm_${what}_partial`);
  const dxT = dx ?? ctx.empty([1], 'layernorm_dx_unused');
  const dwT = out(dWeight, 'dw');
  const dbT = out(dBias, 'db');
  ctx.dispatch({
    name: 'layernorm_backward_rows',
    code: rowsBwdCode,
    layout: ['uniform', 'rw', 'rw', 'rw', 'read', 'read', 'read', 'read', 'read'],
    bindings: [dxT, dwT, dbT, dy, x, weight, mean, rstd],
    params: [u32(rows), u32(H), u32(G), u32(R), u32(nDx), u32(nW)],
    workgroups: ctx.grid(nDx + (params ? nW * G : 0)),
  });
  if (dWeight && dwT !== dWeight) colsum(ctx, dWeight, dwT, G, H, H, 0);
  if (dBias && dbT !== dBias) colsum(ctx, dBias, dbT, G, H, H, 0);
  if (dwT !== dWeight) ctx.release(dwT);
  if (dbT !== dBias) ctx.release(dbT);
  if (!dx) ctx.release(dxT);
}
