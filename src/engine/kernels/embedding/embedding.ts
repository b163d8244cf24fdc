// Embedding launchers. ids u32 [rows]; table [V, H] (f32, or packed bf16/f16, or split in row
// parts (gpu/split.ts) — the last two frozen, forward only); out, dout [rows, H] (any leading shape
// of size rows·H). Overrides: srcIndex i32 [rows] (-1 = table row, k ≥ 0 = row k of src),
// src [srcRows, H] (image features, soft prompts).
//   embeddingForward(ctx, out, ids, table)
//   embeddingBackward(ctx, dTable, dout, ids | plan)                          dTable += scatter(dout)
//   embeddingOverrideForward(ctx, out, ids, table, src, srcIndex)
//   embeddingOverrideBackward(ctx, { dTable, dSrc }, dout, ids, srcIndex, plan?)
// ids / srcIndex may be CPU arrays (Uint32Array / Int32Array): they are then validated — an
// out-of-range id throws EmbeddingIndexError naming the id and its row — and uploaded for the
// call. GPU indices are not validated; a bad one yields a NaN row. Backward needs the CSR
// plan built on the CPU (plan.ts): pass the plan, or CPU indices to build a temporary one.
// dTable / dSrc may be null (the table is frozen when only soft prompts train).
import type { GpuContext } from '../../gpu/context.ts';
import { rowParts } from '../../gpu/split.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { KernelArgumentError, checkDistinct, checkSize, show } from '../args.ts';
import { buildEmbeddingPlan, releaseEmbeddingPlan, validateIndices, type EmbeddingPlan, type GpuCsr } from './plan.ts';
import { weightDecl, weightDtype } from '../packed/packed.ts';
import fwdBody from './embedding.wgsl?raw';
import bwdCode from './embedding_backward.wgsl?raw';

const FILE = 'embedding/embedding.ts';
const FWD = { f32: weightDecl(3, 'table', 'f32') + fwdBody, bf16: weightDecl(3, 'table', 'bf16') + fwdBody, f16: weightDecl(3, 'table', 'f16') + fwdBody };

function dims(where: string, what: string, t: GpuTensor): [number, number] {
  if (t.shape.length !== 2 || t.dtype !== 'f32') throw new KernelArgumentError(where, `${what} is ${show(t)} but should be a 2-D f32 [rows, H]`);
  return [t.shape[0], t.shape[1]];
}

function gather(
  ctx: GpuContext, where: string, out: GpuTensor, ids: GpuTensor | Uint32Array, table: GpuTensor,
  over: { src: GpuTensor; srcIndex: GpuTensor | Int32Array } | null,
): void {
  if (table.shape.length !== 2) throw new KernelArgumentError(where, `table is ${show(table)} but should be a 2-D [V, H]`);
  const tdt = weightDtype(table);
  const [V, H] = table.shape;
  const rows = ids instanceof Uint32Array ? ids.length : ids.size;
  const srcRows = over ? dims(where, 'src', over.src)[0] : 0;
  if (over && over.src.shape[1] !== H) throw new KernelArgumentError(where, `src is ${show(over.src)} but rows of H=${H} (table ${show(table)}) are needed`);
  checkSize(where, 'out', out, rows * H);
  const temps: GpuTensor[] = [];
  const cpuIds = ids instanceof Uint32Array ? ids : null;
  const cpuSi = over?.srcIndex instanceof Int32Array ? over.srcIndex : null;
  // CPU ids with a GPU source map: every id is checked (override rows hold real token ids
  // too, e.g. <image>); GPU ids with a CPU source map: only the map is checked (dummy id 0).
  if (cpuIds) validateIndices(where, cpuIds, V, cpuSi, srcRows);
  else if (cpuSi) validateIndices(where, new Uint32Array(rows), 1, cpuSi, srcRows);
  const idsT = cpuIds ? (temps.push(ctx.upload(cpuIds, [rows], 'embedding_ids')), temps[temps.length - 1]) : (ids as GpuTensor);
  checkSize(where, 'ids', idsT, rows, 'u32');
  let siT: GpuTensor;
  let srcT: GpuTensor;
  if (over) {
    siT = cpuSi ? (temps.push(ctx.upload(cpuSi, [rows], 'embedding_src_index')), temps[temps.length - 1]) : (over.srcIndex as GpuTensor);
    checkSize(where, 'srcIndex', siT, rows, 'i32');
    srcT = over.src;
  } else {
    siT = ctx.empty([1], 'embedding_src_index_unused', 'i32');
    srcT = ctx.empty([1], 'embedding_src_unused');
    temps.push(siT, srcT);
  }
  checkDistinct(where, [out], [out, idsT, ...rowParts(table).map((p) => p.part), siT, srcT]);
  const parts = rowParts(table); // a split table: one dispatch per row part
  if (rows * H > 0) {
    parts.forEach(({ part, row0 }, k) => ctx.dispatch({
      name: `${over ? 'embedding_override_forward' : 'embedding_forward'}${tdt === 'f32' ? '' : `_${tdt}`}`,
      code: FWD[tdt],
      overrides: { HAS_SRC: over ? 1 : 0 },
      layout: ['uniform', 'rw', 'read', 'read', 'read', 'read'],
      bindings: [out, idsT, part, siT, srcT],
      params: [u32(rows), u32(H), u32(part.shape[0]), u32(srcRows), f32(NaN), u32(row0), u32(k === 0 ? 1 : 0), u32(k === parts.length - 1 ? 1 : 0)],
      workgroups: ctx.grid(Math.ceil((rows * H) / 256)),
    }));
  }
  ctx.release(...temps);
}

function scatter(ctx: GpuContext, name: string, dst: GpuTensor, dout: GpuTensor, csr: GpuCsr | null, H: number): void {
  if (!csr || H === 0) return;
  ctx.dispatch({
    name,
    code: bwdCode,
    layout: ['uniform', 'rw', 'read', 'read', 'read', 'read'],
    bindings: [dst, dout, csr.targets, csr.offsets, csr.rowList],
    params: [u32(csr.count), u32(H)],
    workgroups: ctx.grid(csr.count),
  });
}

export function embeddingForward(ctx: GpuContext, out: GpuTensor, ids: GpuTensor | Uint32Array, table: GpuTensor): void {
  gather(ctx, `${FILE}:embeddingForward`, out, ids, table, null);
}

export function embeddingOverrideForward(
  ctx: GpuContext, out: GpuTensor, ids: GpuTensor | Uint32Array, table: GpuTensor, src: GpuTensor, srcIndex: GpuTensor | Int32Array,
): void {
  gather(ctx, `${FILE}:embeddingOverrideForward`, out, ids, table, { src, srcIndex });
}

function backward(
  ctx: GpuContext, where: string, grads: { dTable: GpuTensor | null; dSrc: GpuTensor | null }, dout: GpuTensor, plan: EmbeddingPlan,
): void {
  const { dTable, dSrc } = grads;
  const H = dTable ? dims(where, 'dTable', dTable)[1] : dSrc ? dims(where, 'dSrc', dSrc)[1] : dout.size / Math.max(1, plan.rows);
  checkSize(where, 'dout', dout, plan.rows * H);
  if (dTable) checkSize(where, 'dTable', dTable, plan.vocab * H);
  if (dSrc) checkSize(where, 'dSrc', dSrc, plan.srcRows * H);
  checkDistinct(where, [dTable, dSrc], [dTable, dSrc, dout]);
  if (dTable) scatter(ctx, 'embedding_backward_table', dTable, dout, plan.table, H);
  if (dSrc) scatter(ctx, 'embedding_backward_src', dSrc, dout, plan.src, H);
}

export function embeddingBackward(ctx: GpuContext, dTable: GpuTensor, dout: GpuTensor, ids: Uint32Array | EmbeddingPlan): void {
  const where = `${FILE}:embeddingBackward`;
  const own = ids instanceof Uint32Array;
  const plan = own ? buildEmbeddingPlan(ctx, ids, { vocab: dims(where, 'dTable', dTable)[0] }, where) : ids;
  backward(ctx, where, { dTable, dSrc: null }, dout, plan);
  if (own) releaseEmbeddingPlan(ctx, plan);
}

/** Gradients of the override rows go to dSrc, the others to dTable (either may be null).
 * `ids`/`srcIndex` only serve to build a temporary plan when `plan` is not given (they must
 * then be CPU arrays); with a plan, they are checked against its row count. */
export function embeddingOverrideBackward(
  ctx: GpuContext,
  grads: { dTable: GpuTensor | null; dSrc: GpuTensor | null },
  dout: GpuTensor,
  ids: GpuTensor | Uint32Array,
  srcIndex: GpuTensor | Int32Array,
  plan?: EmbeddingPlan | null,
): void {
  const where = `${FILE}:embeddingOverrideBackward`;
  const len = (a: GpuTensor | Uint32Array | Int32Array) => (a instanceof Uint32Array || a instanceof Int32Array ? a.length : a.size);
  let p = plan ?? null;
  if (p) {
    if (len(ids) !== p.rows || len(srcIndex) !== p.rows) {
      throw new KernelArgumentError(where, `ids (${len(ids)}) / srcIndex (${len(srcIndex)}) rows differ from the plan's ${p.rows}`);
    }
  } else {
    if (!(ids instanceof Uint32Array) || !(srcIndex instanceof Int32Array)) {
      throw new KernelArgumentError(where, 'without a plan, ids and srcIndex must be CPU arrays (Uint32Array, Int32Array) to build one');
    }
    const H = grads.dTable?.shape[1] ?? grads.dSrc?.shape[1] ?? 1;
    p = buildEmbeddingPlan(ctx, ids, {
      vocab: grads.dTable ? grads.dTable.shape[0] : 2 ** 32,
      srcIndex,
      srcRows: grads.dSrc ? grads.dSrc.size / H : 2 ** 31,
    }, where);
  }
  backward(ctx, where, grads, dout, p);
  if (!plan) releaseEmbeddingPlan(ctx, p);
}

export { buildEmbeddingPlan, releaseEmbeddingPlan, type EmbeddingPlan } from './plan.ts';
