// Which matmul kernel each GEMM shape uses on each adapter, by measurement (issue 15 item 4):
// the GEMM shapes and keys over the shared cache (../measured_paths.ts). matmul.ts asks
// `measuredPath` for every GEMM; the first step runs on the adapter-name default and notes its
// shapes, `probeMatmulPaths` (choice.ts) times them (the bucket's largest M) and picks per
// shape, later steps use the faster kernel.
import type { GpuContext } from '../../gpu/context.ts';
import { bucket, fasterOf, MeasuredPaths } from '../measured_paths.ts';
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

/** Bound on the shapes noted per context (a model has a few dozen; this only caps a pathology). */
const MAX_UNPROBED = 512;

/** e.g. "≤256×192×576 k2 8 ᵀB bias": M×N×K, batch when > 1. M (the token count, which varies
 * from batch to batch) is rounded up to a power of two, so one probe serves nearby lengths. */
export function gemmShapeKey(s: GemmShape): string {
  return `${s.batch > 1 ? `${s.batch}·` : ''}≤${bucket(s.M)}×${s.N}×${s.K}${s.k2 ? ` k2 ${s.k2}` : ''}${s.transA ? ' ᵀA' : ''}${s.transB ? ' ᵀB' : ''}${s.bias ? ' bias' : ''}${s.weight !== 'f32' ? ` ${s.weight}` : ''}`;
}

/** The shape a probe times for s: the bucket's largest M (strides follow it). */
function probeShape(s: GemmShape): GemmShape {
  const M = bucket(s.M);
  return { ...s, M, sA: s.sA ? M * s.K : 0, sC: s.sC ? M * s.N : 0 };
}

const cache = new MeasuredPaths<GemmShape, MatmulPath>(gemmShapeKey, probeShape, MAX_UNPROBED);

/** The measured choice for this shape on ctx's adapter, else undefined (and the shape is noted). */
export const measuredPath = (ctx: GpuContext, s: GemmShape): MatmulPath | undefined => cache.get(ctx, s);
export const recordPath = (ctx: GpuContext, s: GemmShape, path: MatmulPath): void => cache.record(ctx, s, path);
/** Shapes this context ran with no measurement for its adapter (probe candidates). */
export const unprobedShapes = (ctx: GpuContext): GemmShape[] => cache.unprobedShapes(ctx);
/** Every measured choice for ctx's adapter (bench output). */
export const measuredPaths = (ctx: GpuContext): Map<string, MatmulPath> => cache.all(ctx);
/** Forget all measurements (tests). */
export const clearMeasuredPaths = (): void => cache.clear();

// ---- probe results (pure: the Node bench report imports these) ----------------------

export interface ProbeRow {
  shape: string;
  directMs: number;
  tiledMs: number;
  chosen: MatmulPath;
}

/** The faster path; a tie (within 2 %) keeps `fallback` (the adapter-name default). */
export function fasterPath(directMs: number, tiledMs: number, fallback: MatmulPath): MatmulPath {
  return fasterOf<MatmulPath>('direct', directMs, 'tiled', tiledMs, fallback);
}

/** "matmul 256×192×576 ᵀB → direct (direct 1.20 ms, tiled 3.40 ms)" per row. */
export function formatProbe(rows: readonly ProbeRow[]): string[] {
  return rows.map((r) => `matmul ${r.shape} → ${r.chosen} (direct ${r.directMs.toFixed(2)} ms, tiled ${r.tiledMs.toFixed(2)} ms)`);
}
