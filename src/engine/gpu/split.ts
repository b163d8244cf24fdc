// Tensors above the binding limit, split in row chunks (a 49280 × 960 f32 table is 189 MB,
// above WebGPU's default 128 MiB maxStorageBufferBindingSize). Only frozen 2-D tables are split
// (embed_tokens, lm_head; a tied lm_head IS the embed tensor, so they share the chunks), and
// only the launchers that walk the parts accept them: the embedding gather (one dispatch per
// part, each writing the rows whose id falls in it) and the chunked cross-entropy (vocabulary
// chunks inside each part, one online logsumexp across all). Everything else refuses a split
// tensor (ctx.dispatch names it).
//
//   uploadRows(ctx, data, shape, label, dtype?, maxBytes?)  f32 data or packed halves; split
//       when the tensor is above maxBytes (default ctx.bindingLimit), into parts of a multiple
//       of 128 rows (so every part and every 64/128-row chunk view stays 256-byte aligned)
//   rowParts(t) → [{ part, row0 }]   the parts with their first row (one entry when unsplit)
import type { GpuContext } from './context.ts';
import { GpuLimitError } from './errors.ts';
import { numel, storageBytes, type GpuTensor, type PackedDtype } from './tensor.ts';

const ROW_ALIGN = 128;

export function rowParts(t: GpuTensor): { part: GpuTensor; row0: number }[] {
  if (!t.parts) return [{ part: t, row0: 0 }];
  let row0 = 0;
  return t.parts.map((part) => {
    const r = { part, row0 };
    row0 += part.shape[0];
    return r;
  });
}

/** Rows per part for a [rows, ...rest] tensor under maxBytes, or null when it fits whole. */
export function rowsPerPart(shape: readonly number[], dtype: 'f32' | PackedDtype, maxBytes: number, label = 'tensor'): number | null {
  const size = numel(shape);
  if (storageBytes(size, dtype) <= maxBytes) return null;
  const rowElems = size / shape[0];
  const rows = Math.floor(maxBytes / (rowElems * (dtype === 'f32' ? 4 : 2)) / ROW_ALIGN) * ROW_ALIGN;
  if (rows < ROW_ALIGN) throw new GpuLimitError(`tensor ${label}[${shape.join(',')}] (${ROW_ALIGN} rows per part)`, ROW_ALIGN * rowElems * 4, maxBytes);
  return rows;
}

export function uploadRows(
  ctx: GpuContext, data: Float32Array | Uint16Array, shape: readonly number[], label: string,
  dtype: 'f32' | PackedDtype = 'f32', maxBytes = ctx.bindingLimit,
): GpuTensor {
  if ((dtype === 'f32') !== data instanceof Float32Array) throw new Error(`uploadRows ${label}: ${dtype} needs ${dtype === 'f32' ? 'Float32Array' : 'Uint16Array'} data`);
  const up = (d: Float32Array | Uint16Array, sh: readonly number[], l: string) =>
    d instanceof Uint16Array ? ctx.uploadPacked(d, sh, l, dtype as PackedDtype) : ctx.upload(d, sh, l);
  const rows = rowsPerPart(shape, dtype, maxBytes, label);
  if (rows === null) return up(data, shape, label);
  const rowElems = numel(shape) / shape[0];
  const parts: GpuTensor[] = [];
  for (let r0 = 0; r0 < shape[0]; r0 += rows) {
    const n = Math.min(rows, shape[0] - r0);
    parts.push(up(data.subarray(r0 * rowElems, (r0 + n) * rowElems), [n, ...shape.slice(1)], `${label}[${r0}:${r0 + n}]`));
  }
  return { buffer: parts[0].buffer, shape: [...shape], size: numel(shape), dtype, label, parts };
}
