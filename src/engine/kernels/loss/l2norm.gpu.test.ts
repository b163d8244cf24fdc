// Rung (ii): GPU vs CPU reference, forward and backward (random upstream, non-zero initial dx),
// odd shapes, a zero row and a tiny (clamped) row.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { l2NormalizeBackward, l2NormalizeForward } from './l2norm.ts';
import { l2NormalizeBackwardRef, l2NormalizeForwardRef } from './l2norm.ref.ts';

describe('l2norm on the GPU', () => {
  const gpu = useGpu();

  async function check(n: number, d: number, x: Float32Array, eps?: number) {
    const ctx = gpu();
    const dy = randn(n * d, 7 + n);
    const dx0 = randn(n * d, 11 + d, 0.5);
    const tx = ctx.upload(x, [n, d], 'x');
    const ty = ctx.empty([n, d], 'y');
    const tn = ctx.empty([n], 'norm');
    const tdy = ctx.upload(dy, [n, d], 'dy');
    const tdx = ctx.upload(dx0, [n, d], 'dx');
    l2NormalizeForward(ctx, ty, tn, tx, { eps });
    l2NormalizeBackward(ctx, tdx, tdy, ty, tn, { eps });
    const [y, norm, dx] = [await ctx.read(ty), await ctx.read(tn), await ctx.read(tdx)];
    const ry = new Float64Array(n * d);
    const rn = new Float64Array(n);
    const rdx = Float64Array.from(dx0);
    l2NormalizeForwardRef(ry, rn, Float64Array.from(x), { n, d, eps });
    l2NormalizeBackwardRef(rdx, Float64Array.from(dy), ry, rn, { n, d, eps });
    expectClose(y, ry, `y n=${n} d=${d}`);
    expectClose(norm, rn, `norm n=${n} d=${d}`);
    expectClose(dx, rdx, `dx n=${n} d=${d}`);
    ctx.release(tx, ty, tn, tdy, tdx);
    return { y, dx };
  }

  test.each([
    [1, 1],
    [1, 576],
    [7, 33],
    [33, 65],
    [130, 7],
  ])('matches the reference n=%i d=%i', async (n, d) => {
    await check(n, d, randn(n * d, n * 31 + d, 2));
  });

  test('zero row and a clamped row stay finite', async () => {
    const n = 3, d = 65;
    const x = randn(n * d, 5);
    x.fill(0, 0, d); // row 0: zero vector
    for (let j = 0; j < d; j++) x[d + j] *= 1e-6; // row 1: ‖x‖ ≈ 8e-6 < eps = 1e-4
    const { y, dx } = await check(n, d, x, 1e-4);
    expect(y.slice(0, d).every((v) => v === 0)).toBe(true);
    expect(dx.every(Number.isFinite)).toBe(true);
  });
});
