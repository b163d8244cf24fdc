// RMSNorm launchers (HF LlamaRMSNorm). x, y, dx, dy: [rows, H] (any leading shape whose
// size is rows·H, H = weight.size); weight, dWeight [H]; rstd [rows] is forward's saved output.
//   rmsNormForward(ctx, y, rstd, x, weight, { eps })
//   rmsNormBackward(ctx, { dx, dWeight }, dy, x, weight, rstd)   — accumulates; grads may be null
// Two kernel sets, one contract, chosen per shape and adapter by normPath (path.ts): 'workgroup'
// (rmsnorm.wgsl, rmsnorm_backward.wgsl: a workgroup per row, barrier reduction; real GPUs)
// and 'rows' (rmsnorm_rows*.wgsl: an invocation per row / per column; CPU adapters).
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkDistinct, checkSize, rowsOf } from '../args.ts';
import { colsum, MAX_PARTIALS, normGroups } from './partials.ts';
import { normPath, ROWS_WG, rowChunks } from './path.ts';
import wgSum from './wg_sum.wgsl?raw';
import fwdWgsl from './rmsnorm.wgsl?raw';
import bwdWgsl from './rmsnorm_backward.wgsl?raw';
import rowsFwdCode from './rmsnorm_rows.wgsl?raw';
import rowsBwdCode from './rmsnorm_rows_backward.wgsl?raw';

// The shared workgroup reduction is prepended (WGSL has no imports).
const fwdCode = wgSum + fwdWgsl;
const bwdCode = wgSum + bwdWgsl;

const FILE = 'norm/rmsnorm.ts';

export function rmsNormForward(ctx: GpuContext, y: GpuTensor, rstd: GpuTensor, x: GpuTensor, weight: GpuTensor, opts: { eps: number }): void {
  const where = `${FILE}:rmsNormForward`;
  const H = weight.size;
  const rows = rowsOf(where, 'x', x, H);
  checkSize(where, 'y', y, rows * H);
  checkSize(where, 'rstd', rstd, rows);
  checkDistinct(where, [y, rstd], [y, rstd, x, weight]);
  if (normPath(ctx, { kind: 'rmsnorm', dir: 'forward', rows, H, dx: false, dWeight: false }) === 'rows') {
    ctx.dispatch({
      name: 'rmsnorm_forward_rows',
      code: rowsFwdCode,
      layout: ['uniform', 'rw', 'rw', 'read', 'read'],
      bindings: [y, rstd, x, weight],
      params: [u32(rows), u32(H), f32(opts.eps)],
      workgroups: ctx.grid(Math.ceil(rows / ROWS_WG)),
    });
    return;
  }
  ctx.dispatch({
    name: 'rmsnorm_forward',
    code: fwdCode,
    layout: ['uniform', 'rw', 'rw', 'read', 'read'],
    bindings: [y, rstd, x, weight],
    params: [u32(rows), u32(H), f32(opts.eps)],
    workgroups: ctx.grid(rows),
  });
}

export function rmsNormBackward(
  ctx: GpuContext,
  grads: { dx: GpuTensor | null; dWeight: GpuTensor | null },
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  rstd: GpuTensor,
): void {
  const where = `${FILE}:rmsNormBackward`;
  const { dx, dWeight } = grads;
  const H = weight.size;
  const rows = rowsOf(where, 'x', x, H);
  checkSize(where, 'dy', dy, rows * H);
  checkSize(where, 'rstd', rstd, rows);
  if (dx) checkSize(where, 'dx', dx, rows * H);
  if (dWeight) checkSize(where, 'dWeight', dWeight, H);
  checkDistinct(where, [dx, dWeight], [dx, dWeight, dy, x, weight, rstd]);
  if ((!dx && !dWeight) || rows === 0) return;
  const shape = { kind: 'rmsnorm', dir: 'backward', rows, H, dx: !!dx, dWeight: !!dWeight } as const;
  if (normPath(ctx, shape) === 'rows') return rowsBackward(ctx, dx, dWeight, dy, x, weight, rstd, rows, H);
  const G = normGroups(ctx, rows, !!dWeight);
  // Null outputs bind a 1-element dummy that the kernel never touches (HAS_* = false).
  const dxT = dx ?? ctx.empty([1], 'rmsnorm_dx_unused');
  const partial = dWeight ? ctx.empty([G, H], 'rmsnorm_dw_partial') : ctx.empty([1], 'rmsnorm_partial_unused');
  ctx.dispatch({
    name: 'rmsnorm_backward',
    code: bwdCode,
    overrides: { HAS_DX: dx ? 1 : 0, HAS_DW: dWeight ? 1 : 0 },
    layout: ['uniform', 'rw', 'rw', 'read', 'read', 'read', 'read'],
    bindings: [dxT, partial, dy, x, weight, rstd],
    params: [u32(rows), u32(H), u32(G)],
    workgroups: [G],
  });
  if (dWeight) colsum(ctx, dWeight, partial, G, H, H, 0);
  ctx.release(partial);
  if (!dx) ctx.release(dxT);
}

/** 'rows' path: dx (an invocation per row) and dWeight (an invocation per column and row
 * chunk) in one dispatch; with more than one chunk, colsum adds the partials in chunk order. */
function rowsBackward(
  ctx: GpuContext,
  dx: GpuTensor | null,
  dWeight: GpuTensor | null,
  dy: GpuTensor,
  x: GpuTensor,
  weight: GpuTensor,
  rstd: GpuTensor,
  rows: number,
  H: number,
): void {
  const { G, R } = rowChunks(rows, MAX_PARTIALS);
  const nDx = dx ? Math.ceil(rows / ROWS_WG) : 0;
  const nW = Math.ceil(H / ROWS_WG);
  const nCols = dWeight ? nW * G : 0;
  const dxT = dx ?? ctx.empty([1], 'rmsnorm_dx_unused');
  const dwT = !dWeight ? ctx.empty([1], 'rmsnorm_dw_unused') : G === 1 ? dWeight : ctx.empty([G, H], 'rmsnorm_dw_partial');
  ctx.dispatch({
    name: 'rmsnorm_backward_rows',
    code: rowsBwdCode,
    layout: ['uniform', 'rw', 'rw', 'read', 'read', 'read', 'read'],
    bindings: [dxT, dwT, dy, x, weight, rstd],
    params: [u32(rows), u32(H), u32(G), u32(R), u32(nDx), u32(nW)],
    workgroups: ctx.grid(nDx + nCols),
  });
  if (dWeight && G > 1) colsum(ctx, dWeight, dwT, G, H, H, 0);
  if (dwT !== dWeight) ctx.release(dwT);
  if (!dx) ctx.release(dxT);
}
