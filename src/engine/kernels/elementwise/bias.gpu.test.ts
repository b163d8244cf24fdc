// Rung (ii): bias add on the GPU vs the CPU reference; odd shapes, rows > 128 partial chunks,
// in place, null grads, accumulation into non-zero grads.
import { describe, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { addBiasBackward, addBiasForward } from './bias.ts';
import { addBiasBackwardRef, addBiasForwardRef } from './bias.ref.ts';

describe('bias add GPU vs CPU', () => {
  const gpu = useGpu();
  for (const [rows, H, mode] of [[1, 1, 'both'], [7, 65, 'both'], [130, 33, 'both'], [300, 257, 'inplace'], [9, 33, 'dx'], [9, 33, 'dbias']] as const) {
    test(`rows=${rows} H=${H} ${mode}`, async () => {
      const ctx = gpu();
      const x = randn(rows * H, 1), b = randn(H, 2), d = randn(rows * H, 3), dx0 = randn(rows * H, 4), db0 = randn(H, 5);
      const yRef = new Float64Array(rows * H);
      addBiasForwardRef(yRef, x, b);
      const dxRef = Float64Array.from(dx0), dbRef = Float64Array.from(db0);
      const wantDx = mode !== 'dbias', wantDb = mode !== 'dx';
      addBiasBackwardRef({ dx: wantDx ? dxRef : null, dBias: wantDb ? dbRef : null }, d, H);
      const X = ctx.upload(x, [rows, H], 'x'), B = ctx.upload(b, [H], 'bias'), D = ctx.upload(d, [rows, H], 'dout');
      const DX = ctx.upload(dx0, [rows, H], 'dx'), DB = ctx.upload(db0, [H], 'dBias');
      const Y = mode === 'inplace' ? X : ctx.empty([rows, H], 'y');
      addBiasForward(ctx, Y, X, B);
      addBiasBackward(ctx, { dx: wantDx ? DX : null, dBias: wantDb ? DB : null }, D);
      expectClose(await ctx.read(Y), yRef, 'y');
      expectClose(await ctx.read(DX), dxRef, 'dx');
      expectClose(await ctx.read(DB), dbRef, 'dBias', { atol: 1e-4 });
      ctx.release(X, B, D, DX, DB, Y === X ? null : Y);
    });
  }
});
