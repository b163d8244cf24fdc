// Kernel choice by measurement (src/engine/kernels/matmul/choice.ts, path_cache.ts), on Dawn in
// Node: a GEMM run without a measurement is noted per context; the probe times both kernels
// for exactly those shapes, records the faster per adapter, and matmulPath() then answers with
// it — for this and any other context on the same adapter — while a shape never probed keeps
// the adapter-name default and a forced path (setMatmulPath) still wins and survives the probe.
// Both kernels give the same product. ≈ 10 s (the tiled kernel compiles slowly on SwiftShader).
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { fasterPath, probeMatmulPaths } from '../../src/engine/kernels/matmul/choice.ts';
import { forcedMatmulPath, matmul, matmulPath, setMatmulPath } from '../../src/engine/kernels/matmul/matmul.ts';
import { clearMeasuredPaths, gemmShapeKey, recordPath, unprobedShapes, type GemmShape } from '../../src/engine/kernels/matmul/path_cache.ts';
import { randn } from '../../src/engine/util/random.ts';
import { installDawn, uninstallDawn } from './dawn.ts';

describe('fasterPath', () => {
  test('the faster kernel wins; within 2 % the default stays', () => {
    expect(fasterPath(1, 2, 'tiled')).toBe('direct');
    expect(fasterPath(3, 2, 'direct')).toBe('tiled');
    expect(fasterPath(1, 1.01, 'tiled')).toBe('tiled');
    expect(fasterPath(1.01, 1, 'direct')).toBe('direct');
  });
});

describe('matmul path by measurement on Dawn', () => {
  let ctx: GpuContext, other: GpuContext;
  beforeAll(async () => {
    await installDawn();
    ctx = await GpuContext.create();
    other = await GpuContext.create();
    clearMeasuredPaths();
  }, 30_000);
  afterAll(() => {
    ctx?.destroy();
    other?.destroy();
    uninstallDawn();
  });

  test('first use notes the shape; the probe picks per shape and adapter; forced paths win', async () => {
    const [M, K, N] = [24, 40, 36];
    const a = ctx.upload(randn(M * K, 1), [M, K], 'a'), b = ctx.upload(randn(N * K, 2), [N, K], 'b');
    const c1 = ctx.empty([M, N], 'c1'), c2 = ctx.empty([M, N], 'c2');
    matmul(ctx, c1, a, b, { transB: true });
    const noted = unprobedShapes(ctx);
    expect(noted.map(gemmShapeKey)).toEqual(['≤32×36×40 ᵀB']);
    expect(noted[0].M).toBe(32); // probed at the top of its M bucket
    const shape: GemmShape = noted[0];
    const def = matmulPath(ctx, shape); // adapter-name default before any probe (direct on SwiftShader)

    setMatmulPath(ctx, def === 'direct' ? 'tiled' : 'direct');
    const forced = forcedMatmulPath(ctx);
    const rows = await probeMatmulPaths(ctx, { reps: 2 });
    expect(rows).toHaveLength(1);
    expect(rows[0].shape).toBe('≤32×36×40 ᵀB');
    expect(rows[0].directMs).toBeGreaterThan(0);
    expect(rows[0].tiledMs).toBeGreaterThan(0);
    expect(rows[0].chosen).toBe(fasterPath(rows[0].directMs, rows[0].tiledMs, def));
    expect(forcedMatmulPath(ctx)).toBe(forced); // the probe restored the forced path
    expect(matmulPath(ctx, shape)).toBe(forced); // and a forced path still wins
    setMatmulPath(ctx, 'auto');

    expect(matmulPath(ctx, shape)).toBe(rows[0].chosen);
    expect(matmulPath(other, shape)).toBe(rows[0].chosen); // cached per adapter, not per context
    expect(unprobedShapes(ctx)).toEqual([]);
    // a recorded choice is what gemm runs: record the other kernel and compare products
    recordPath(ctx, shape, rows[0].chosen === 'direct' ? 'tiled' : 'direct');
    expect(matmulPath(ctx, shape)).not.toBe(rows[0].chosen);
    matmul(ctx, c2, a, b, { transB: true });
    const [x, y] = [await ctx.read(c1), await ctx.read(c2)];
    for (let i = 0; i < x.length; i++) expect(Math.abs(x[i] - y[i])).toBeLessThan(1e-4 * (1 + Math.abs(x[i])));
    // M of the same power-of-two bucket shares the choice; another bucket keeps the default
    expect(matmulPath(ctx, { ...shape, M: 17 })).toBe(matmulPath(ctx, shape));
    expect(matmulPath(ctx, { ...shape, M: 33 })).toBe(def);
    ctx.release(a, b, c1, c2);
  }, 120_000);

  test('a packed bf16 weight (a frozen matrix of a bf16 folder) is its own shape, and the probe measures it', async () => {
    clearMeasuredPaths();
    const [M, K, N] = [8, 16, 12];
    const a = ctx.upload(randn(M * K, 3), [M, K], 'a');
    const w = ctx.zeros([N, K], 'w.bf16', 'bf16');
    const c = ctx.empty([M, N], 'c');
    matmul(ctx, c, a, w, { transB: true });
    const noted = unprobedShapes(ctx).filter((s) => s.weight === 'bf16');
    expect(noted.map(gemmShapeKey)).toEqual(['≤8×12×16 ᵀB bf16']);
    const rows = await probeMatmulPaths(ctx, { reps: 1, shapes: noted });
    expect(rows.map((r) => r.shape)).toEqual(['≤8×12×16 ᵀB bf16']);
    expect(rows[0].directMs).toBeGreaterThan(0);
    expect(rows[0].tiledMs).toBeGreaterThan(0);
    ctx.release(a, w, c);
  }, 120_000);
});
