// Kernel choice by measurement (issue 15 item 4): for every GEMM shape a context has run
// without a measurement on its adapter (path_cache.ts), time the 'direct' and the 'tiled'
// kernel and record the faster one for that adapter; matmulPath() then uses it for that shape.
//
//   const rows = await probeMatmulPaths(ctx);   // after a first step ran on the defaults
//
// Each path: one warm-up call (compiles its pipeline) + sync, then `reps` synced calls; the
// fastest of them counts (a minimum shrugs off the other jobs on a shared machine; the sync's
// fixed cost is in both paths' figures alike). Inputs are zeros of the recorded sizes (speed does not depend on the
// values; a packed bf16/f16 B is zeros of its dtype, like the frozen weight it stands for). A context with a
// forced path (setMatmulPath) gets it back afterwards. The probe's dispatches go through the
// same context (and its counters): run it outside a counted region.
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { forcedMatmulPath, gemm, isCpuAdapter, setMatmulPath, type MatmulPath } from './matmul.ts';
import { fasterPath, gemmShapeKey, recordPath, unprobedShapes, type GemmShape, type ProbeRow } from './path_cache.ts';

export { fasterPath, formatProbe, type ProbeRow } from './path_cache.ts';

export async function probeMatmulPaths(
  ctx: GpuContext, opts: { shapes?: GemmShape[]; reps?: number; fallback?: MatmulPath } = {},
): Promise<ProbeRow[]> {
  const reps = opts.reps ?? 3;
  const shapes = opts.shapes ?? unprobedShapes(ctx);
  const before = forcedMatmulPath(ctx);
  const rows: ProbeRow[] = [];
  try {
    for (const s of shapes) {
      const a = ctx.zeros([s.batch > 1 && s.sA ? s.batch * s.sA : s.M * s.K], 'probe.A');
      const b = ctx.zeros([s.sB ? s.batch * s.sB : s.K * s.N], 'probe.B', s.weight);
      const c = ctx.zeros([s.batch > 1 && s.sC ? s.batch * s.sC : s.M * s.N], 'probe.C');
      const extra: GpuTensor[] = [];
      const a2 = s.k2 ? ctx.zeros([s.M * s.k2], 'probe.A2') : undefined;
      const b2 = s.k2 ? ctx.zeros([s.k2 * s.N], 'probe.B2') : undefined;
      const bias = s.bias ? ctx.zeros([s.N], 'probe.bias') : undefined;
      for (const t of [a2, b2, bias]) if (t) extra.push(t);
      const o = { transA: s.transA, transB: s.transB, k2: s.k2, a2, b2, bias, name: 'matmul_probe' };
      const ms: Record<MatmulPath, number> = { direct: 0, tiled: 0 };
      try {
        for (const path of ['direct', 'tiled'] as const) {
          setMatmulPath(ctx, path);
          gemm(ctx, c, a, b, s, o);
          await ctx.sync();
          let best = Infinity;
          for (let r = 0; r < reps; r++) {
            const t0 = performance.now();
            gemm(ctx, c, a, b, s, o);
            await ctx.sync();
            best = Math.min(best, performance.now() - t0);
          }
          ms[path] = best;
        }
      } finally {
        ctx.release(a, b, c, ...extra);
      }
      setMatmulPath(ctx, 'auto');
      const fallback = opts.fallback ?? (isCpuAdapter(ctx) ? 'direct' : 'tiled');
      const chosen = fasterPath(ms.direct, ms.tiled, fallback);
      recordPath(ctx, s, chosen);
      rows.push({ shape: gemmShapeKey(s), directMs: ms.direct, tiledMs: ms.tiled, chosen });
    }
  } finally {
    setMatmulPath(ctx, before ?? 'auto');
  }
  return rows;
}
