// Norm kernel choice by measurement (issue 15 item 4; the matmul twin is
// kernels/matmul/choice.ts): for every norm shape a context has run without a measurement on
// its adapter (path_cache.ts), time the 'rows' and the 'workgroup' kernels and record the
// faster one for that adapter; normPath() then uses it for that shape.
//
//   const rows = await probeNormPaths(ctx);   // after a first step ran on the defaults
//
// Each path: one warm-up launch (compiles) + sync, then `reps` synced launches; the fastest
// counts. Inputs are zeros of the noted sizes (rstd zero too: the speed does not depend on
// the values). A forced path (setNormPath) is restored afterwards. The probe's dispatches go
// through the same context and its counters: run it outside a counted region.
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { layerNormBackward, layerNormForward } from './layernorm.ts';
import { defaultNormPath, forcedNormPath, setNormPath, type NormPath } from './path.ts';
import { fasterNormPath, normShapeKey, recordNormPath, unprobedNormShapes, type NormProbeRow, type NormShape } from './path_cache.ts';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.ts';

export { fasterNormPath, formatNormProbe, type NormProbeRow } from './path_cache.ts';

/** One launch of the shape's kernel on zeros; returns the tensors to release. */
function launcher(ctx: GpuContext, s: NormShape): { run: () => void; tensors: GpuTensor[] } {
  const { rows, H } = s;
  const z = (shape: number[], label: string) => ctx.zeros(shape, `probe.${label}`);
  const x = z([rows, H], 'x'), w = z([H], 'w'), b = z([H], 'b'), rstd = z([rows], 'rstd'), mean = z([rows], 'mean');
  const tensors = [x, w, b, rstd, mean];
  const out = (on: boolean, shape: number[], label: string) => {
    if (!on) return null;
    const t = z(shape, label);
    tensors.push(t);
    return t;
  };
  if (s.dir === 'forward') {
    const y = out(true, [rows, H], 'y')!;
    const run = s.kind === 'rmsnorm'
      ? () => rmsNormForward(ctx, y, rstd, x, w, { eps: 1e-5 })
      : () => layerNormForward(ctx, y, mean, rstd, x, w, b, { eps: 1e-5 });
    return { run, tensors };
  }
  const dy = out(true, [rows, H], 'dy')!;
  const dx = out(s.dx, [rows, H], 'dx'), dW = out(s.dWeight, [H], 'dW'), dB = out(s.dWeight && s.kind === 'layernorm', [H], 'dB');
  const run = s.kind === 'rmsnorm'
    ? () => rmsNormBackward(ctx, { dx, dWeight: dW }, dy, x, w, rstd)
    : () => layerNormBackward(ctx, { dx, dWeight: dW, dBias: dB }, dy, x, w, mean, rstd);
  return { run, tensors };
}

export async function probeNormPaths(
  ctx: GpuContext, opts: { shapes?: NormShape[]; reps?: number; fallback?: NormPath } = {},
): Promise<NormProbeRow[]> {
  const reps = opts.reps ?? 3;
  const shapes = opts.shapes ?? unprobedNormShapes(ctx);
  const before = forcedNormPath(ctx);
  const rows: NormProbeRow[] = [];
  try {
    for (const s of shapes) {
      const { run, tensors } = launcher(ctx, s);
      const ms: Record<NormPath, number> = { rows: 0, workgroup: 0 };
      try {
        for (const path of ['rows', 'workgroup'] as const) {
          setNormPath(ctx, path);
          run();
          await ctx.sync();
          let best = Infinity;
          for (let r = 0; r < reps; r++) {
            const t0 = performance.now();
            run();
            await ctx.sync();
            best = Math.min(best, performance.now() - t0);
          }
          ms[path] = best;
        }
      } finally {
        ctx.release(...tensors);
      }
      setNormPath(ctx, 'auto');
      const chosen = fasterNormPath(ms.rows, ms.workgroup, opts.fallback ?? defaultNormPath(ctx));
      recordNormPath(ctx, s, chosen);
      rows.push({ shape: normShapeKey(s), rowsMs: ms.rows, workgroupMs: ms.workgroup, chosen });
    }
  } finally {
    setNormPath(ctx, before ?? 'auto');
  }
  return rows;
}
