// Rung (ii): RMSNorm / LayerNorm on the GPU vs the CPU references, forward and backward with
// a random upstream gradient, backward accumulating into non-zero initial gradients.
// Shapes are odd on purpose (H = 1, 65, 576, 2048; rows = 1, 7, 130 > 128 partial groups).
import { describe, expect, test } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { KernelArgumentError } from '../args.ts';
import { layerNormBackward, layerNormForward } from './layernorm.ts';
import { layerNormBackwardRef, layerNormForwardRef } from './layernorm.ref.ts';
import { rmsNormBackward, rmsNormForward } from './rmsnorm.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from './rmsnorm.ref.ts';

const up = (ctx: GpuContext, a: Float32Array, label: string) => ctx.upload(a, [a.length], label);
const plus = (a: Float32Array) => Float64Array.from(a);

describe('RMSNorm GPU vs CPU', () => {
  const gpu = useGpu();
  const cases: [number, number, number, number, string][] = [
    [1, 1, 1e-5, 1, 'both'],
    [7, 65, 1e-5, 1, 'both'],
    [33, 576, 1e-5, 1, 'both'],
    [3, 2048, 1e-6, 1, 'both'],
    [130, 33, 1e-5, 1, 'both'], // more rows than MAX_PARTIALS: workgroups loop rows
    [9, 65, 1e-5, 1e4, 'both'], // large values
    [9, 65, 1e-1, 1e-4, 'both'], // tiny values, eps dominates
    [7, 65, 1e-5, 1, 'dx'],
    [7, 65, 1e-5, 1, 'dw'],
  ];
  for (const [rows, H, eps, scale, which] of cases) {
    test(`rows=${rows} H=${H} eps=${eps} scale=${scale} grads=${which}`, async () => {
      const ctx = gpu();
      const x = randn(rows * H, 11, scale), w = randn(H, 12), dy = randn(rows * H, 13);
      const dx0 = randn(rows * H, 14), dw0 = randn(H, 15);
      const yRef = new Float64Array(rows * H), rRef = new Float64Array(rows);
      rmsNormForwardRef(yRef, rRef, x, w, { eps });
      const dxRef = plus(dx0), dwRef = plus(dw0);
      rmsNormBackwardRef({ dx: which !== 'dw' ? dxRef : null, dWeight: which !== 'dx' ? dwRef : null }, dy, x, w, rRef);

      const X = up(ctx, x, 'x'), W = up(ctx, w, 'w'), DY = up(ctx, dy, 'dy');
      const Y = ctx.empty([rows, H], 'y'), R = ctx.empty([rows], 'rstd');
      const DX = up(ctx, dx0, 'dx'), DW = up(ctx, dw0, 'dw');
      rmsNormForward(ctx, Y, R, X, W, { eps });
      rmsNormBackward(ctx, { dx: which !== 'dw' ? DX : null, dWeight: which !== 'dx' ? DW : null }, DY, X, W, R);
      expectClose(await ctx.read(Y), yRef, 'y');
      expectClose(await ctx.read(R), rRef, 'rstd');
      expectClose(await ctx.read(DX), dxRef, 'dx', { atol: 1e-5 / scale });
      expectClose(await ctx.read(DW), dwRef, 'dWeight', { atol: 1e-4, rtol: 1e-4 });
      ctx.release(X, W, DY, Y, R, DX, DW);
    });
  }

  test('deterministic dWeight: two runs give bit-identical results', async () => {
    const ctx = gpu();
    const rows = 200, H = 70;
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
    expect([...runs[0]]).toEqual([...runs[1]]);
    ctx.release(X, W, DY, Y, R);
  });

  test('wrong shapes throw a KernelArgumentError naming the tensor', () => {
    const ctx = gpu();
    const X = ctx.empty([3, 8], 'hidden'), W = ctx.empty([8], 'w'), Y = ctx.empty([3, 8], 'y'), R = ctx.empty([4], 'rstd');
    expect(() => rmsNormForward(ctx, Y, R, X, W, { eps: 1e-5 })).toThrow(KernelArgumentError);
    expect(() => rmsNormForward(ctx, Y, R, X, W, { eps: 1e-5 })).toThrow(/rmsNormForward: rstd is rstd\[4\]/);
    expect(() => rmsNormForward(ctx, X, ctx.view(X, 0, [3]), X, W, { eps: 1e-5 })).toThrow(/shares its GPU buffer/);
    ctx.release(X, W, Y, R);
  });
});

describe('LayerNorm GPU vs CPU', () => {
  const gpu = useGpu();
  const cases: [number, number, number, string][] = [
    [1, 1, 1e-6, 'all'],
    [7, 65, 1e-6, 'all'],
    [33, 768, 1e-6, 'all'],
    [2, 2048, 1e-5, 'all'],
    [130, 33, 1e-6, 'all'],
    [5, 65, 1e-6, 'dx'],
    [5, 65, 1e-6, 'params'],
  ];
  for (const [rows, H, eps, which] of cases) {
    test(`rows=${rows} H=${H} eps=${eps} grads=${which}`, async () => {
      const ctx = gpu();
      // a non-zero mean offset exercises the two-pass variance
      const x = randn(rows * H, 21).map((v) => v + 3);
      const w = randn(H, 22), b = randn(H, 23), dy = randn(rows * H, 24);
      const dx0 = randn(rows * H, 25), dw0 = randn(H, 26), db0 = randn(H, 27);
      const yRef = new Float64Array(rows * H), mRef = new Float64Array(rows), rRef = new Float64Array(rows);
      layerNormForwardRef(yRef, mRef, rRef, x, w, b, { eps });
      const dxRef = plus(dx0), dwRef = plus(dw0), dbRef = plus(db0);
      const p = which !== 'dx', d = which !== 'params';
      layerNormBackwardRef({ dx: d ? dxRef : null, dWeight: p ? dwRef : null, dBias: p ? dbRef : null }, dy, x, w, mRef, rRef);

      const X = up(ctx, x, 'x'), W = up(ctx, w, 'w'), B = up(ctx, b, 'b'), DY = up(ctx, dy, 'dy');
      const Y = ctx.empty([rows, H], 'y'), M = ctx.empty([rows], 'mean'), R = ctx.empty([rows], 'rstd');
      const DX = up(ctx, dx0, 'dx'), DW = up(ctx, dw0, 'dw'), DB = up(ctx, db0, 'db');
      layerNormForward(ctx, Y, M, R, X, W, B, { eps });
      layerNormBackward(ctx, { dx: d ? DX : null, dWeight: p ? DW : null, dBias: p ? DB : null }, DY, X, W, M, R);
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
