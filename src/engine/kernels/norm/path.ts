// Which RMSNorm / LayerNorm kernels a context uses (mirrors matmul's matmulPath):
//   'workgroup' rmsnorm.wgsl, layernorm.wgsl (+ _backward) — one workgroup of 64 threads per
//               row, tree reduction through workgroup memory (wg_sum.wgsl); for real GPUs,
//               where the threads of a row read it coalesced;
//   'rows'      *_rows.wgsl — one invocation per row, a serial loop over H, no workgroup
//               memory, no barriers; parameter gradients one invocation per column looping
//               over a chunk of rows. For CPU adapters (SwiftShader), where each barrier is a
//               coroutine switch per SIMD group: 6–8× faster there. On a GPU this layout
//               reads strided, so it is never the default there.
//   normPath(ctx, shape?)            → forced (setNormPath) → else the path a timed probe picked
//                                      for this shape on this adapter (path_cache.ts, choice.ts)
//                                    → else 'rows' on CPU adapters (isCpuAdapter), 'workgroup' elsewhere
//   setNormPath(ctx, path | 'auto')  — tests force either path; 'auto' resets
// Both paths implement the same contract (kernels/README.md) and are tested against the
// CPU references (norm.gpu.test.ts on the default path, norm_paths.gpu.test.ts on both).
import type { GpuContext } from '../../gpu/context.ts';
import { isCpuAdapter } from '../matmul/matmul.ts';
import { measuredNormPath, type NormShape } from './path_cache.ts';

export type NormPath = 'workgroup' | 'rows';
const forced = new WeakMap<GpuContext, NormPath>();

/** The norm kernels a launch uses: forced by setNormPath, else the measured choice for this
 * shape on this adapter, else 'rows' on CPU adapters and 'workgroup' elsewhere. */
export function normPath(ctx: GpuContext, shape?: NormShape): NormPath {
  return forced.get(ctx) ?? (shape && measuredNormPath(ctx, shape)) ?? defaultNormPath(ctx);
}

/** The adapter-name default (and the probe's tie-break). */
export function defaultNormPath(ctx: GpuContext): NormPath {
  return isCpuAdapter(ctx) ? 'rows' : 'workgroup';
}

/** The path forced on this context, if any (the probe restores it). */
export function forcedNormPath(ctx: GpuContext): NormPath | undefined {
  return forced.get(ctx);
}

/** Forces a path for one context (tests run both kernels on SwiftShader); 'auto' resets. */
export function setNormPath(ctx: GpuContext, path: NormPath | 'auto'): void {
  if (path === 'auto') forced.delete(ctx);
  else forced.set(ctx, path);
}

/** Invocations per workgroup of the 'rows' kernels (and of their flat index arithmetic). */
export const ROWS_WG = 64;
/** Rows one parameter-gradient invocation sums before the chunks are combined by colsum. */
export const ROWS_PER_CHUNK = 256;

/** Row chunks for the 'rows' parameter gradients: 1 (the kernel accumulates straight into
 * dWeight) up to MAX_PARTIALS (partials [G, H], then colsum). A function of the shape only,
 * so the summation order — hence the result — is the same on every run. */
export function rowChunks(rows: number, maxPartials: number): { G: number; R: number } {
  const G = Math.max(1, Math.min(maxPartials, Math.ceil(rows / ROWS_PER_CHUNK)));
  return { G, R: Math.ceil(rows / G) };
}
