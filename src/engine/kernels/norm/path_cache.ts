// Which norm kernels ('rows' | 'workgroup', path.ts) each norm shape uses on each adapter, by
// measurement (issue 15 item 4): the norm shapes and keys over the cache the matmul choice
// shares (../measured_paths.ts). normPath() asks `measuredNormPath` on every launch; a shape
// never probed on this adapter takes the adapter-name default and is noted, so
// `probeNormPaths` (choice.ts) times exactly the shapes a model ran.
import type { GpuContext } from '../../gpu/context.ts';
import { bucket, fasterOf, MeasuredPaths } from '../measured_paths.ts';
import type { NormPath } from './path.ts';

/** Everything about one norm launch its speed depends on (no tensors). */
export interface NormShape {
  kind: 'rmsnorm' | 'layernorm';
  dir: 'forward' | 'backward';
  rows: number;
  H: number;
  /** backward: which gradients are wanted (dWeight stands for dWeight/dBias). */
  dx: boolean;
  dWeight: boolean;
}

const MAX_UNPROBED = 256;

/** e.g. "rmsnorm backward ≤256×576 dx dW": rows rounded up to a power of two. */
export function normShapeKey(s: NormShape): string {
  const g = s.dir === 'backward' ? `${s.dx ? ' dx' : ''}${s.dWeight ? ' dW' : ''}` : '';
  return `${s.kind} ${s.dir} ≤${bucket(s.rows)}×${s.H}${g}`;
}

const cache = new MeasuredPaths<NormShape, NormPath>(normShapeKey, (s) => ({ ...s, rows: bucket(s.rows) }), MAX_UNPROBED);

/** The measured choice for this shape on ctx's adapter, else undefined (and the shape is noted). */
export const measuredNormPath = (ctx: GpuContext, s: NormShape): NormPath | undefined => cache.get(ctx, s);
export const recordNormPath = (ctx: GpuContext, s: NormShape, path: NormPath): void => cache.record(ctx, s, path);
/** Shapes this context ran with no measurement for its adapter (probe candidates). */
export const unprobedNormShapes = (ctx: GpuContext): NormShape[] => cache.unprobedShapes(ctx);
/** Forget all measurements (tests). */
export const clearMeasuredNormPaths = (): void => cache.clear();

// ---- probe results (pure: the bench report imports these) ----------------------------

export interface NormProbeRow {
  shape: string;
  rowsMs: number;
  workgroupMs: number;
  chosen: NormPath;
}

/** The faster path; a tie (within 2 %) keeps `fallback` (the adapter-name default). */
export function fasterNormPath(rowsMs: number, workgroupMs: number, fallback: NormPath): NormPath {
  return fasterOf<NormPath>('rows', rowsMs, 'workgroup', workgroupMs, fallback);
}

/** "rmsnorm forward ≤256×576 → rows (rows 0.40 ms, workgroup 2.10 ms)" per row. */
export function formatNormProbe(rows: readonly NormProbeRow[]): string[] {
  return rows.map((r) => `${r.shape} → ${r.chosen} (rows ${r.rowsMs.toFixed(2)} ms, workgroup ${r.workgroupMs.toFixed(2)} ms)`);
}
