// Rung (iii) on the CPU: the decoder call list over the kernels' CPU references matches the
// independent PyTorch float64 golden state (loss, hidden states, every LoRA gradient, the
// soft-prompt gradient).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { CpuOps, cpuTensor } from './cpu_ops.ts';
import { loadGolden } from './golden.ts';
import { expectedAdapterGrads, runGolden } from './golden_check.ts';

const fixture = fileURLToPath(new URL('./golden/decoder_golden.safetensors', import.meta.url));

describe('decoder (CPU references) vs PyTorch golden', () => {
  test.each(['keep', 'recompute'] as const)('loss, hidden states and every adapter / soft-prompt gradient (activations: %s)', async (activations) => {
    const g = await loadGolden(new Uint8Array(readFileSync(fixture)));
    const run = await runGolden(new CpuOps(), g, (h) => cpuTensor(h.data, h.shape), activations);
    expect(run.ceLoss).toBeCloseTo(g.expect.ceLoss, 5);
    expectClose(run.normed, g.expect.normed.data, 'normed', { atol: 1e-5, rtol: 1e-4 });
    const want = expectedAdapterGrads(g);
    expect(run.adapterGrads.size).toBe(2 * 7 * 2);
    for (const [name, grad] of run.adapterGrads) expectClose(grad, want.get(name)!, `grad ${name}`, { atol: 1e-5, rtol: 1e-3 });
    expectClose(run.dExtra, g.expect.dExtra.data, 'grad soft prompts', { atol: 1e-5, rtol: 1e-3 });
    // the fixture is not trivial: gradients are far from zero
    expect(Math.max(...[...want.values()].map((a) => Math.max(...a.map(Math.abs))))).toBeGreaterThan(1e-2);
  });

  test('full-parameter mode: every base-weight gradient (embedding, norms, linears, lm head)', async () => {
    const g = await loadGolden(new Uint8Array(readFileSync(fixture)));
    const run = await runGolden(new CpuOps(), g, (h) => cpuTensor(h.data, h.shape), 'keep', true);
    expect(run.baseGrads!.size).toBe(g.expect.baseGrads.size);
    expect(g.expect.baseGrads.size).toBe(3 + 2 * 9);
    for (const [name, grad] of run.baseGrads!) expectClose(grad, g.expect.baseGrads.get(name)!, `grad w.${name}`, { atol: 1e-5, rtol: 1e-3 });
  });
});
