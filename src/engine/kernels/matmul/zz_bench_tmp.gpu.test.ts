import { expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { matmul, setMatmulPath, type MatmulPath } from './matmul.ts';
import { loraLinearForward } from '../lora/lora.ts';

const gpu = useGpu();
test('bench', async () => {
  const ctx = gpu();
  const lines: string[] = [];
  for (const [path, reps] of [['direct', 10], ['tiled', 3]] as [MatmulPath, number][]) {
  setMatmulPath(ctx, path);
  lines.push(`path ${path}, ${reps} repeats`);
  for (const [M, K, N] of [[512, 576, 1536], [512, 1536, 576], [512, 576, 576]]) {
    const x = ctx.upload(randn(M * K, 1), [M, K], 'x'), w = ctx.upload(randn(N * K, 2), [N, K], 'w'), y = ctx.empty([M, N], 'y');
    matmul(ctx, y, x, w, { transB: true }); await ctx.sync();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) matmul(ctx, y, x, w, { transB: true });
    await ctx.sync();
    const ms = (performance.now() - t0) / reps;
    lines.push(`matmul NT [M,K,N]=[${M},${K},${N}]: ${ms.toFixed(1)} ms, ${(2 * M * K * N / ms / 1e6).toFixed(2)} GFLOP/s`);
    ctx.release(x, w, y);
  }
  {
    const N = 512, inF = 576, outF = 1536, r = 16;
    const x = ctx.upload(randn(N * inF, 1), [N, inF], 'x'), W = ctx.upload(randn(outF * inF, 2), [outF, inF], 'W');
    const A = ctx.upload(randn(r * inF, 3), [r, inF], 'A'), B = ctx.upload(randn(outF * r, 4), [outF, r], 'B');
    const y = ctx.empty([N, outF], 'y'), u = ctx.empty([N, r], 'u');
    loraLinearForward(ctx, y, u, x, W, A, B, { scale: 1 }); await ctx.sync();
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) loraLinearForward(ctx, y, u, x, W, A, B, { scale: 1 });
    await ctx.sync();
    const ms = (performance.now() - t0) / reps;
    const flops = 2 * N * inF * outF + 2 * N * inF * r + 2 * N * r * outF;
    lines.push(`lora fwd N=${N} in=${inF} out=${outF} r=${r}: ${ms.toFixed(1)} ms, ${(flops / ms / 1e6).toFixed(2)} GFLOP/s`);
  }
  }
  console.log(lines.join('\n'));
  expect(lines.length).toBe(10);
});
