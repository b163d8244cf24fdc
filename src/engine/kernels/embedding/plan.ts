// The scatter plan for the embedding backward (no float atomics in WGSL): on the CPU, group
// the rows by their destination (a table id, or a row of the override source) into CSR form,
//   targets [U]     distinct destinations, ascending
//   offsets [U+1]   rows of target k are rowList[offsets[k] .. offsets[k+1])
//   rowList [R]     row indices, ascending inside each group
// and upload it. The backward kernel runs one workgroup per target summing its rows in
// rowList order, so duplicate ids are summed deterministically.
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { KernelArgumentError } from '../args.ts';

export class EmbeddingIndexError extends KernelArgumentError {
  override readonly name = 'EmbeddingIndexError';
}

export interface Csr {
  targets: Uint32Array;
  offsets: Uint32Array;
  rowList: Uint32Array;
}

export interface GpuCsr {
  count: number;
  targets: GpuTensor;
  offsets: GpuTensor;
  rowList: GpuTensor;
}

export interface EmbeddingPlan {
  rows: number;
  vocab: number;
  srcRows: number;
  /** rows that read the table, grouped by id (null when none) */
  table: GpuCsr | null;
  /** rows overridden from `src`, grouped by source row (null when none or no override) */
  src: GpuCsr | null;
}

/** CSR of the rows r with keep(r), grouped by key(r). */
export function buildCsr(rows: number, key: (r: number) => number, keep: (r: number) => boolean): Csr {
  const groups = new Map<number, number[]>();
  for (let r = 0; r < rows; r++) {
    if (!keep(r)) continue;
    const k = key(r);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = []));
    g.push(r);
  }
  const targets = Uint32Array.from([...groups.keys()].sort((a, b) => a - b));
  const offsets = new Uint32Array(targets.length + 1);
  const rowList = new Uint32Array([...groups.values()].reduce((n, g) => n + g.length, 0));
  let o = 0;
  targets.forEach((t, k) => {
    const g = groups.get(t)!;
    rowList.set(g, o);
    o += g.length;
    offsets[k + 1] = o;
  });
  return { targets, offsets, rowList };
}

/** Throws EmbeddingIndexError naming the first bad id / source index and its row. */
export function validateIndices(where: string, ids: ArrayLike<number>, vocab: number, srcIndex?: ArrayLike<number> | null, srcRows = 0): void {
  if (srcIndex && srcIndex.length !== ids.length) {
    throw new EmbeddingIndexError(where, `srcIndex has ${srcIndex.length} rows but ids has ${ids.length}`);
  }
  for (let r = 0; r < ids.length; r++) {
    const si = srcIndex ? srcIndex[r] : -1;
    if (si >= 0) {
      if (si >= srcRows || !Number.isInteger(si)) {
        throw new EmbeddingIndexError(where, `srcIndex ${si} at row ${r} is outside the override source (${srcRows} rows)`);
      }
    } else if (si < -1) {
      throw new EmbeddingIndexError(where, `srcIndex ${si} at row ${r}: use -1 for "from the table"`);
    } else if (!(ids[r] >= 0 && ids[r] < vocab && Number.isInteger(ids[r]))) {
      throw new EmbeddingIndexError(where, `token id ${ids[r]} at row ${r} is outside the embedding table (vocab ${vocab})`);
    }
  }
}

function upload(ctx: GpuContext, c: Csr, label: string): GpuCsr | null {
  if (c.targets.length === 0) return null;
  return {
    count: c.targets.length,
    targets: ctx.upload(c.targets, [c.targets.length], `${label}_targets`),
    offsets: ctx.upload(c.offsets, [c.offsets.length], `${label}_offsets`),
    rowList: ctx.upload(c.rowList, [c.rowList.length], `${label}_rows`),
  };
}

/**
 * Builds and uploads the plan from CPU ids [rows] and, for the override embedding, the source
 * map srcIndex [rows] (-1 = table row, k ≥ 0 = row k of src [srcRows, H]). Rows taken from
 * `src` are not in the table plan (the table receives no gradient from them). Validates every
 * index (ids only where the row reads the table). Free it with releaseEmbeddingPlan.
 */
export function buildEmbeddingPlan(
  ctx: GpuContext,
  ids: Uint32Array,
  opts: { vocab: number; srcIndex?: Int32Array | null; srcRows?: number },
  where = 'embedding/plan.ts:buildEmbeddingPlan',
): EmbeddingPlan {
  const si = opts.srcIndex ?? null;
  const srcRows = opts.srcRows ?? 0;
  validateIndices(where, ids, opts.vocab, si, srcRows);
  const fromSrc = (r: number) => si !== null && si[r] >= 0;
  return {
    rows: ids.length,
    vocab: opts.vocab,
    srcRows,
    table: upload(ctx, buildCsr(ids.length, (r) => ids[r], (r) => !fromSrc(r)), 'embedding_plan_table'),
    src: si ? upload(ctx, buildCsr(ids.length, (r) => si[r], fromSrc), 'embedding_plan_src') : null,
  };
}

export function releaseEmbeddingPlan(ctx: GpuContext, plan: EmbeddingPlan): void {
  for (const c of [plan.table, plan.src]) if (c) ctx.release(c.targets, c.offsets, c.rowList);
  plan.table = null;
  plan.src = null;
}
