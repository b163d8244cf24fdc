// Norm path by measurement (src/engine/kernels/norm/choice.ts, path_cache.ts), on Dawn in
// Node — the norm twin of kernel-choice.dawn.test.ts: an RMSNorm / LayerNorm launch without a
// measurement is noted per context (rows rounded up to a power of two, backward keyed by
// which grads it makes); the probe times the 'rows' and 'workgroup' kernels on exactly those
// shapes, records the faster per adapter, and normPath() then answers with it for this and
// any other context on the adapter; a forced path (setNormPath) still wins and survives the
// probe; both paths give the same result. A few seconds.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { fasterNormPath, probeNormPaths } from '../../src/engine/kernels/norm/choice.ts';
import { forcedNormPath, normPath, setNormPath } from '../../src/engine/kernels/norm/path.ts';
import { clearMeasuredNormPaths, normShapeKey, recordNormPath, unprobedNormShapes } from '../../src/engine/kernels/norm/path_cache.ts';
import { rmsNormBackward, rmsNormForward } from '../../src/engine/kernels/norm/rmsnorm.ts';
import { randn } from '../../src/engine/util/random.ts';
import { installDawn, uninstallDawn } from './dawn.ts';

describe('fasterNormPath', () => {
  test('the faster kernel wins; within 2 % the default stays', () => {
    expect(fasterNormPath(1, 2, 'workgroup')).toBe('rows');
    expect(fasterNormPath(3, 2, 'rows')).toBe('workgroup');
    expect(fasterNormPath(1, 1.01, 'workgroup')).toBe('workgroup');
  });
});

describe('norm path by measurement on Dawn', () => {
  let ctx: GpuContext, other: GpuContext;
  beforeAll(async () => {
    await installDawn();
    ctx = await GpuContext.create();
    other = await GpuContext.create();
    clearMeasuredNormPaths();
  }, 30_000);
  afterAll(() => {
    ctx?.destroy();
    other?.destroy();
    uninstallDawn();
  });

  test('first use notes the shapes; the probe picks per shape and adapter; forced paths win', async () => {
    const [rows, H] = [21, 40];
    const x = ctx.upload(randn(rows * H, 1), [rows, H], 'x'), w = ctx.upload(randn(H, 2), [H], 'w');
    const y1 = ctx.empty([rows, H], 'y1'), y2 = ctx.empty([rows, H], 'y2'), rstd = ctx.empty([rows], 'rstd');
    const dy = ctx.upload(randn(rows * H, 3), [rows, H], 'dy'), dx = ctx.zeros([rows, H], 'dx');
    rmsNormForward(ctx, y1, rstd, x, w, { eps: 1e-5 });
    rmsNormBackward(ctx, { dx, dWeight: null }, dy, x, w, rstd);
    const noted = unprobedNormShapes(ctx);
    expect(noted.map(normShapeKey)).toEqual(['rmsnorm forward ≤32×40', 'rmsnorm backward ≤32×40 dx']);
    expect(noted[0].rows).toBe(32); // probed at the top of its bucket
    const fwd = noted[0];
    const def = normPath(ctx, fwd); // adapter-name default ('rows' on SwiftShader)

    setNormPath(ctx, def === 'rows' ? 'workgroup' : 'rows');
    const forced = forcedNormPath(ctx);
    const rowsOut = await probeNormPaths(ctx, { reps: 2 });
    expect(rowsOut.map((r) => r.shape)).toEqual(['rmsnorm forward ≤32×40', 'rmsnorm backward ≤32×40 dx']);
    for (const r of rowsOut) {
      expect(r.rowsMs).toBeGreaterThan(0);
      expect(r.workgroupMs).toBeGreaterThan(0);
      expect(r.chosen).toBe(fasterNormPath(r.rowsMs, r.workgroupMs, def));
    }
    expect(forcedNormPath(ctx)).toBe(forced); // restored
    expect(normPath(ctx, fwd)).toBe(forced); // a forced path still wins
    setNormPath(ctx, 'auto');
    expect(normPath(ctx, fwd)).toBe(rowsOut[0].chosen);
    expect(normPath(other, fwd)).toBe(rowsOut[0].chosen); // cached per adapter
    expect(unprobedNormShapes(ctx)).toEqual([]);

    // a recorded choice is what the launcher runs: record the other path, compare outputs
    recordNormPath(ctx, fwd, rowsOut[0].chosen === 'rows' ? 'workgroup' : 'rows');
    expect(normPath(ctx, fwd)).not.toBe(rowsOut[0].chosen);
    rmsNormForward(ctx, y2, rstd, x, w, { eps: 1e-5 });
    const [a, b] = [await ctx.read(y1), await ctx.read(y2)];
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - b[i])).toBeLessThan(1e-5 * (1 + Math.abs(a[i])));
    // rows of the same bucket share the choice; another bucket keeps the default
    expect(normPath(ctx, { ...fwd, rows: 17 })).toBe(normPath(ctx, fwd));
    expect(normPath(ctx, { ...fwd, rows: 33 })).toBe(def);
    ctx.release(x, w, y1, y2, rstd, dy, dx);
  }, 120_000);
});
