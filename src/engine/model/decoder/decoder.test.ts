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

  test('the lm head and CE see the labelled rows only (gathered), and the gradients still match', async () => {
    const g = await loadGolden(new Uint8Array(readFileSync(fixture)));
    const rows: number[] = [];
    class Recording extends CpuOps {
      override crossEntropy(...a: Parameters<CpuOps['crossEntropy']>) {
        rows.push(this.shape(a[2])[0]);
        return super.crossEntropy(...a);
      }
      override crossEntropyBackward(...a: Parameters<CpuOps['crossEntropyBackward']>) {
        rows.push(this.shape(a[3])[0]);
        return super.crossEntropyBackward(...a);
      }
    }
    const labels = g.batch.labels!;
    const labelled = labels.filter((l) => l >= 0).length;
    expect(labelled).toBeLessThan(labels.length); // the fixture has prompt rows
    const run = await runGolden(new Recording(), g, (h) => cpuTensor(h.data, h.shape), 'keep', true);
    expect(rows).toEqual([labelled, labelled]);
    expect(run.ceLoss).toBeCloseTo(g.expect.ceLoss, 5);
    expectClose(run.baseGrads!.get('lm_head')!, g.expect.baseGrads.get('lm_head')!, 'grad w.lm_head', { atol: 1e-5, rtol: 1e-3 });
  });
});
