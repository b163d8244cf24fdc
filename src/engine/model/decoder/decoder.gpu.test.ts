// Rung (iii) on the GPU: the same decoder call list over our WGSL kernels matches the
// PyTorch float64 golden state (loss, hidden states, every LoRA gradient, soft-prompt grad).
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { loadGolden } from './golden.ts';
import { expectedAdapterGrads, runGolden } from './golden_check.ts';
import { GpuOps } from './gpu_ops.ts';
import fixtureUrl from './golden/decoder_golden.safetensors?url';

describe('decoder (WGSL kernels) vs PyTorch golden', () => {
  const gpu = useGpu();
  const peaks = { keep: 0, recompute: 0 };

  test.each(['keep', 'recompute'] as const)('loss, hidden states and every adapter / soft-prompt gradient (activations: %s)', async (activations) => {
    const g = await loadGolden(new Uint8Array(await (await fetch(fixtureUrl)).arrayBuffer()));
    const ctx = gpu();
    const ops = new GpuOps(ctx);
    await ctx.sync();
    ctx.pool.resetPeak();
    const before = ctx.pool.liveBytes;
    const run = await runGolden(ops, g, (h, label) => ctx.upload(h.data, h.shape, label), activations);
    peaks[activations] = ctx.pool.peakLiveBytes - before;
    ops.releaseInputs();
    await ctx.sync();
    expect(run.ceLoss).toBeCloseTo(g.expect.ceLoss, 4);
    expectClose(run.normed, g.expect.normed.data, 'normed', { atol: 1e-4, rtol: 1e-3 });
    const want = expectedAdapterGrads(g);
    expect(run.adapterGrads.size).toBe(2 * 7 * 2);
    for (const [name, grad] of run.adapterGrads) expectClose(grad, want.get(name)!, `grad ${name}`, { atol: 1e-4, rtol: 2e-3 });
    expectClose(run.dExtra, g.expect.dExtra.data, 'grad soft prompts', { atol: 1e-4, rtol: 2e-3 });
  });

  test('per-layer recompute holds less activation memory than keeping every layer', () => {
    console.log(`peak pool bytes: keep ${peaks.keep}, recompute ${peaks.recompute}`);
    expect(peaks.recompute).toBeGreaterThan(0);
    expect(peaks.recompute).toBeLessThan(peaks.keep);
  });

  test('full-parameter mode: every base-weight gradient matches PyTorch (pretraining path)', async () => {
    const g = await loadGolden(new Uint8Array(await (await fetch(fixtureUrl)).arrayBuffer()));
    const ctx = gpu();
    const ops = new GpuOps(ctx);
    const run = await runGolden(ops, g, (h, label) => ctx.upload(h.data, h.shape, label), 'recompute', true);
    ops.releaseInputs();
    expect(run.baseGrads!.size).toBe(3 + 2 * 9);
    for (const [name, grad] of run.baseGrads!) expectClose(grad, g.expect.baseGrads.get(name)!, `grad w.${name}`, { atol: 1e-4, rtol: 2e-3 });
  });
});
