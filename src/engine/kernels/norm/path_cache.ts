// Which norm kernels ('rows' | 'workgroup', path.ts) each norm shape uses on each adapter, by
// measurement (issue 15 item 4; the matmul twin is kernels/matmul/path_cache.ts). normPath()
// asks `measuredNormPath` on every launch; a shape never probed on this adapter returns
// undefined (the adapter-name default applies) and is noted per context, so `probeNormPaths`
// (choice.ts) times exactly the shapes a model ran. Choices are cached per adapter for the
// life of the page or process.
import type { GpuContext } from '../../gpu/context.ts';
import { adapterKey } from '../matmul/path_cache.ts';
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

const measured = new Map<string, Map<string, NormPath>>();
const MAX_UNPROBED = 256;
const unprobed = new WeakMap<GpuContext, Map<string, NormShape>>();

const bucket = (rows: number) => (rows <= 1 ? rows : 2 ** Math.ceil(Math.log2(rows)));

/** e.g. "rmsnorm backward ≤256×576 dx dW": rows rounded up to a power of two. */
export function normShapeKey(s: NormShape): string {
  const g = s.dir === 'backward' ? `${s.dx ? ' dx' : ''}${s.dWeight ? ' dW' : ''}` : '';
  return `${s.kind} ${s.dir} ≤${bucket(s.rows)}×${s.H}${g}`;
}

/** The measured choice for this shape on ctx's adapter, else undefined (and the shape is noted). */
export function measuredNormPath(ctx: GpuContext, s: NormShape): NormPath | undefined {
  const key = normShapeKey(s);
  const hit = measured.get(adapterKey(ctx))?.get(key);
  if (hit) return hit;
  let m = unprobed.get(ctx);
  if (!m) unprobed.set(ctx, (m = new Map()));
  if (!m.has(key) && m.size < MAX_UNPROBED) m.set(key, { ...s, rows: bucket(s.rows) });
  return undefined;
}

export function recordNormPath(ctx: GpuContext, s: NormShape, path: NormPath): void {
  const k = adapterKey(ctx);
  let m = measured.get(k);
  if (!m) measured.set(k, (m = new Map()));
  m.set(normShapeKey(s), path);
  unprobed.get(ctx)?.delete(normShapeKey(s));
}

/** Shapes this context ran with no measurement for its adapter (probe candidates). */
export function unprobedNormShapes(ctx: GpuContext): NormShape[] {
  return [...(unprobed.get(ctx)?.values() ?? [])];
}

/** Forget all measurements (tests). */
export function clearMeasuredNormPaths(): void {
  measured.clear();
}

// ---- probe results (pure: the bench report imports these) ----------------------------

export interface NormProbeRow {
  shape: string;
  rowsMs: number;
  workgroupMs: number;
  chosen: NormPath;
}

/** The faster path; a tie (within 2 %) keeps `fallback` (the adapter-name default). */
export function fasterNormPath(rowsMs: number, workgroupMs: number, fallback: NormPath): NormPath {
  if (Math.abs(rowsMs - workgroupMs) <= 0.02 * Math.min(rowsMs, workgroupMs)) return fallback;
  return rowsMs < workgroupMs ? 'rows' : 'workgroup';
}

/** "rmsnorm forward ≤256×576 → rows (rows 0.40 ms, workgroup 2.10 ms)" per row. */
export function formatNormProbe(rows: readonly NormProbeRow[]): string[] {
  return rows.map((r) => `${r.shape} → ${r.chosen} (rows ${r.rowsMs.toFixed(2)} ms, workgroup ${r.workgroupMs.toFixed(2)} ms)`);
}
