// Rung (ii) for BOTH norm kernel sets (path.ts), each forced with setNormPath on this adapter:
// 'workgroup' (barrier reduction, the real-GPU default) and 'rows' (an invocation per row /
// column, the CPU-adapter default). GPU vs the CPU references, forward and backward, with
// backward accumulating into non-zero gradients, on shapes that fit no tile: rows not a
// multiple of 64 (67), H not a multiple of 4 (65, 33, 1), rows > ROWS_PER_CHUNK (300: the
// 'rows' parameter gradients go through [G, H] partials + colsum), and every null-gradient
// combination of the contract. norm.gpu.test.ts covers more shapes on the default path.
import { describe, expect, test } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { layerNormBackward, layerNormForward } from './layernorm.ts';
import { layerNormBackwardRef, layerNormForwardRef } from './layernorm.ref.ts';
import { normPath, rowChunks, setNormPath, type NormPath } from './path.ts';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from './rmsnorm.ref.ts';

const up = (ctx: GpuContext, a: Float32Array, label: string) => ctx.upload(a, [a.length], label);
const plus = (a: Float32Array) => Float64Array.from(a);
const PATHS: NormPath[] = ['workgroup', 'rows'];
// one context for the file (pipelines compile once); each test forces its path
const gpu = useGpu();

describe('norm path selection', () => {
  test('auto picks rows on this CPU adapter; setNormPath forces and resets', () => {
    const ctx = gpu();
    expect(normPath(ctx)).toBe('rows');
    setNormPath(ctx, 'workgroup');
    expect(normPath(ctx)).toBe('workgroup');
    setNormPath(ctx, 'auto');
    expect(normPath(ctx)).toBe('rows');
  });
  test('row chunks cover every row once and depend on the shape only', () => {
    for (const rows of [1, 255, 256, 257, 300, 5000, 40000]) {
      const { G, R } = rowChunks(rows, 128);
      expect(G).toBeGreaterThanOrEqual(1);
      expect(G).toBeLessThanOrEqual(128);
      expect(G * R).toBeGreaterThanOrEqual(rows);
      expect((G - 1) * R).toBeLessThan(rows);
    }
    expect(rowChunks(256, 128)).toEqual({ G: 1, R: 256 });
  });
});

for (const path of PATHS) {
  describe(`RMSNorm GPU vs CPU, ${path} path`, () => {
    const cases: [number, number, string][] = [
      [1, 1, 'both'],
      [67, 65, 'both'],
      [300, 33, 'both'],
      [67, 65, 'dx'],
      [300, 33, 'dw'],
    ];
    for (const [rows, H, which] of cases) {
      test(`rows=${rows} H=${H} grads=${which}`, async () => {
        const ctx = gpu();
        setNormPath(ctx, path);
        const eps = 1e-5;
        const x = randn(rows * H, 31), w = randn(H, 32), dy = randn(rows * H, 33);
        const dx0 = randn(rows * H, 34), dw0 = randn(H, 35);
        const yRef = new Float64Array(rows * H), rRef = new Float64Array(rows);
        rmsNormForwardRef(yRef, rRef, x, w, { eps });
        const dxRef = plus(dx0), dwRef = plus(dw0);
        const wantDx = which !== 'dw', wantDw = which !== 'dx';
        rmsNormBackwardRef({ dx: wantDx ? dxRef : null, dWeight: wantDw ? dwRef : null }, dy, x, w, rRef);

        const X = up(ctx, x, 'x'), W = up(ctx, w, 'w'), DY = up(ctx, dy, 'dy');
        const Y = ctx.empty([rows, H], 'y'), R = ctx.empty([rows], 'rstd');
        const DX = up(ctx, dx0, 'dx'), DW = up(ctx, dw0, 'dw');
        rmsNormForward(ctx, Y, R, X, W, { eps });
        rmsNormBackward(ctx, { dx: wantDx ? DX : null, dWeight: wantDw ? DW : null }, DY, X, W, R);
        expectClose(await ctx.read(Y), yRef, 'y');
        expectClose(await ctx.read(R), rRef, 'rstd');
        // a null gradient is left untouched (dxRef / dwRef keep their initial values then)
        expectClose(await ctx.read(DX), dxRef, 'dx');
        expectClose(await ctx.read(DW), dwRef, 'dWeight', { atol: 1e-4, rtol: 1e-4 });
        ctx.release(X, W, DY, Y, R, DX, DW);
      });
    }

    test('dWeight is bit-identical across runs (300 rows: partials + colsum)', async () => {
      const ctx = gpu();
      setNormPath(ctx, path);
      const rows = 300, H = 70;
      const X = up(ctx, randn(rows * H, 1), 'x'), W = up(ctx, randn(H, 2), 'w'), DY = up(ctx, randn(rows * H, 3), 'dy');
      const Y = ctx.empty([rows, H], 'y'), R = ctx.empty([rows], 'rstd');
      rmsNormForward(ctx, Y, R, X, W, { eps: 1e-5 });
      const runs: Float32Array[] = [];
      for (let k = 0; k < 2; k++) {
        const DW = ctx.zeros([H], 'dw');
        rmsNormBackward(ctx, { dx: null, dWeight: DW }, DY, X, W, R);
        runs.push(await ctx.read(DW));
        ctx.release(DW);
      }
      expect(runs[0].some((v) => v !== 0)).toBe(true);
      expect([...runs[0]]).toEqual([...runs[1]]);
      ctx.release(X, W, DY, Y, R);
    });
  });

  describe(`LayerNorm GPU vs CPU, ${path} path`, () => {
    // [rows, H, dx, dWeight, dBias]
    const cases: [number, number, boolean, boolean, boolean][] = [
      [1, 1, true, true, true],
      [67, 65, true, true, true],
      [300, 33, true, true, true],
      [67, 65, true, false, false],
      [67, 65, false, true, false],
      [300, 33, false, false, true],
    ];
    for (const [rows, H, d, pw, pb] of cases) {
      test(`rows=${rows} H=${H} dx=${d} dWeight=${pw} dBias=${pb}`, async () => {
        const ctx = gpu();
        setNormPath(ctx, path);
        const eps = 1e-6;
        const x = randn(rows * H, 41).map((v) => v + 3); // non-zero mean: two-pass variance
        const w = randn(H, 42), b = randn(H, 43), dy = randn(rows * H, 44);
        const dx0 = randn(rows * H, 45), dw0 = randn(H, 46), db0 = randn(H, 47);
        const yRef = new Float64Array(rows * H), mRef = new Float64Array(rows), rRef = new Float64Array(rows);
        layerNormForwardRef(yRef, mRef, rRef, x, w, b, { eps });
        const dxRef = plus(dx0), dwRef = plus(dw0), dbRef = plus(db0);
        layerNormBackwardRef({ dx: d ? dxRef : null, dWeight: pw ? dwRef : null, dBias: pb ? dbRef : null }, dy, x, w, mRef, rRef);

        const X = up(ctx, x, 'x'), W = up(ctx, w, 'w'), B = up(ctx, b, 'b'), DY = up(ctx, dy, 'dy');
        const Y = ctx.empty([rows, H], 'y'), M = ctx.empty([rows], 'mean'), R = ctx.empty([rows], 'rstd');
        const DX = up(ctx, dx0, 'dx'), DW = up(ctx, dw0, 'dw'), DB = up(ctx, db0, 'db');
        layerNormForward(ctx, Y, M, R, X, W, B, { eps });
        layerNormBackward(ctx, { dx: d ? DX : null, dWeight: pw ? DW : null, dBias: pb ? DB : null }, DY, X, W, M, R);
        expectClose(await ctx.read(Y), yRef, 'y', { atol: 1e-4 });
        expectClose(await ctx.read(M), mRef, 'mean');
        // H=1: var = 0 so rstd = 1/sqrt(eps) is large; the f32 mean rounding is amplified
        expectClose(await ctx.read(R), rRef, 'rstd', { rtol: 1e-3 });
        expectClose(await ctx.read(DX), dxRef, 'dx', { atol: 1e-4 });
        expectClose(await ctx.read(DW), dwRef, 'dWeight', { atol: 1e-4 });
        expectClose(await ctx.read(DB), dbRef, 'dBias', { atol: 1e-4 });
        ctx.release(X, W, B, DY, Y, M, R, DX, DW, DB);
      });
    }
  });
}
