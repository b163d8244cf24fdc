// Which matmul kernel each GEMM shape uses on each adapter, by measurement (issue 15 item 4).
// matmul.ts asks `measuredPath` for every GEMM; a shape never probed on this adapter returns
// undefined (the adapter-name default applies) and is remembered per context as "used but not
// probed", so `probeMatmulPaths` (choice.ts) can time exactly the shapes a model ran — "on first
// use": the first step runs on the default (the probe times the bucket's largest M), the probe picks per shape, later steps use the
// faster kernel. Choices are cached per adapter (vendor/architecture/device/description) for
// the life of the page or process, so every context on that adapter reuses them.
import type { GpuContext } from '../../gpu/context.ts';
import type { MatmulPath } from './matmul.ts';

/** Everything about one gemm() call that its speed depends on (no tensors). */
export interface GemmShape {
  batch: number;
  M: number;
  N: number;
  K: number;
  /** K of the fused second pair (LoRA), 0 when none. */
  k2: number;
  sA: number;
  sB: number;
  sC: number;
  transA: boolean;
  transB: boolean;
  bias: boolean;
  /** B's storage: f32, or bf16/f16 packed two per u32 (frozen weights of a bf16/f16 folder). */
  weight: 'f32' | 'bf16' | 'f16';
}

const measured = new Map<string, Map<string, MatmulPath>>();
/** Bound on the shapes noted per context (a model has a few dozen; this only caps a pathology). */
const MAX_UNPROBED = 512;
const unprobed = new WeakMap<GpuContext, Map<string, GemmShape>>();

export function adapterKey(ctx: GpuContext): string {
  const a = ctx.caps.adapter;
  return [a.vendor, a.architecture, a.device, a.description].join('|');
}

/** e.g. "≤256×192×576 k2 8 ᵀB bias": M×N×K, batch when > 1. M (the token count, which varies
 * from batch to batch) is rounded up to a power of two, so one probe serves nearby lengths. */
export function gemmShapeKey(s: GemmShape): string {
  const m = s.M <= 1 ? s.M : 2 ** Math.ceil(Math.log2(s.M));
  return `${s.batch > 1 ? `${s.batch}·` : ''}≤${m}×${s.N}×${s.K}${s.k2 ? ` k2 ${s.k2}` : ''}${s.transA ? ' ᵀA' : ''}${s.transB ? ' ᵀB' : ''}${s.bias ? ' bias' : ''}${s.weight !== 'f32' ? ` ${s.weight}` : ''}`;
}

/** The measured choice for this shape on ctx's adapter, else undefined (and the shape is noted). */
export function measuredPath(ctx: GpuContext, s: GemmShape): MatmulPath | undefined {
  const key = gemmShapeKey(s);
  const hit = measured.get(adapterKey(ctx))?.get(key);
  if (hit) return hit;
  let m = unprobed.get(ctx);
  if (!m) unprobed.set(ctx, (m = new Map()));
  if (!m.has(key) && m.size < MAX_UNPROBED) {
    const M = s.M <= 1 ? s.M : 2 ** Math.ceil(Math.log2(s.M));
    m.set(key, { ...s, M, sA: s.sA ? M * s.K : 0, sC: s.sC ? M * s.N : 0 });
  }
  return undefined;
}

export function recordPath(ctx: GpuContext, s: GemmShape, path: MatmulPath): void {
  const k = adapterKey(ctx);
  let m = measured.get(k);
  if (!m) measured.set(k, (m = new Map()));
  m.set(gemmShapeKey(s), path);
  unprobed.get(ctx)?.delete(gemmShapeKey(s));
}

/** Shapes this context ran with no measurement for its adapter (probe candidates). */
export function unprobedShapes(ctx: GpuContext): GemmShape[] {
  return [...(unprobed.get(ctx)?.values() ?? [])];
}

/** Every measured choice for ctx's adapter (bench output). */
export function measuredPaths(ctx: GpuContext): Map<string, MatmulPath> {
  return new Map(measured.get(adapterKey(ctx)) ?? []);
}

/** Forget all measurements (tests). */
export function clearMeasuredPaths(): void {
  measured.clear();
}

// ---- probe results (pure: the Node bench report imports these) ----------------------

export interface ProbeRow {
  shape: string;
  directMs: number;
  tiledMs: number;
  chosen: MatmulPath;
}

/** The faster path; a tie (within 2 %) keeps `fallback` (the adapter-name default). */
export function fasterPath(directMs: number, tiledMs: number, fallback: MatmulPath): MatmulPath {
  if (Math.abs(directMs - tiledMs) <= 0.02 * Math.min(directMs, tiledMs)) return fallback;
  return directMs < tiledMs ? 'direct' : 'tiled';
}

/** "matmul 256×192×576 ᵀB → direct (direct 1.20 ms, tiled 3.40 ms)" per row. */
export function formatProbe(rows: readonly ProbeRow[]): string[] {
  return rows.map((r) => `matmul ${r.shape} → ${r.chosen} (direct ${r.directMs.toFixed(2)} ms, tiled ${r.tiledMs.toFixed(2)} ms)`);
}
