// The training-memory estimate: frozen bytes by dtype from first principles (SmolVLM-256M's
// decoder), halving with bf16, activations scaling with the chunk and dropping with recompute,
// the fit check refusing a tensor above the binding limit or a total above the budget, and
// config.json parsing of the real-size presets.
import { describe, expect, test } from 'vitest';
import { presetOptions } from '../../scripts/tiny-model/presets.ts';
import { tinyConfigJson } from '../../scripts/tiny-model/tiny-model.ts';
import { checkMemoryFit, estimateTrainingMemory, memoryModelFromConfig, type MemoryModel, type MemoryPlan } from './memory.ts';

const SMOL256: MemoryModel = {
  text: { hidden: 576, intermediate: 1536, layers: 30, heads: 9, kvHeads: 3, headDim: 64, vocab: 49280, tied: true },
  dtype: 'bf16', tokensPerImage: 64,
};
const PLAN: MemoryPlan = { batchSize: 64, chunkSize: 16, maxLongTokens: 256, lora: { rank: 16, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } };
const GiB = 2 ** 30;

describe('training memory estimate', () => {
  test("SmolVLM-256M's frozen decoder: 134.55 M matrix params at 2 bytes + 61 norm vectors at 4", () => {
    const perLayer = 576 * (576 + 192 + 192 + 576) + 3 * 1536 * 576;
    expect(perLayer).toBe(3_538_944);
    const mats = 30 * perLayer + 49280 * 576;
    const norms = 61 * 576 * 4;
    const bf16 = estimateTrainingMemory(SMOL256, PLAN);
    expect(bf16.frozenBytes).toBe(mats * 2 + norms);
    expect(bf16.frozenF32Bytes).toBe(mats * 4 + norms);
    const f32 = estimateTrainingMemory({ ...SMOL256, dtype: 'f32' }, PLAN);
    expect(f32.frozenBytes).toBe(bf16.frozenF32Bytes);
    expect(bf16.frozenBytes / f32.frozenBytes).toBeCloseTo(0.5, 2);
    // untied: lm_head is a second table
    expect(estimateTrainingMemory({ ...SMOL256, text: { ...SMOL256.text, tied: false } }, PLAN).frozenBytes - bf16.frozenBytes).toBe(49280 * 576 * 2);
    // LoRA r=16 on all 7 modules: 16·(in+out) each, ×4 (param, grad, m, v) f32, + soft prompts
    const lora = 30 * 16 * (1152 + 768 + 768 + 1152 + 2112 * 3);
    expect(bf16.trainableBytes).toBe((lora + 2 * 16 * 576) * 16);
    expect(bf16.embedTableBytes).toBe(49280 * 576 * 2);
  });

  test('activations scale with the chunk, not the batch; recompute keeps one layer', () => {
    const a = estimateTrainingMemory(SMOL256, PLAN);
    const b = estimateTrainingMemory(SMOL256, { ...PLAN, batchSize: 1024 });
    const c = estimateTrainingMemory(SMOL256, { ...PLAN, chunkSize: 32 });
    const r = estimateTrainingMemory(SMOL256, { ...PLAN, activations: 'recompute' });
    expect(b.activationBytes).toBe(a.activationBytes);
    expect(c.activationBytes).toBeCloseTo(2 * a.activationBytes, -3);
    expect(r.activationBytes).toBeLessThan(a.activationBytes / 5);
    expect(a.totalBytes).toBe(a.frozenBytes + a.trainableBytes + a.activationBytes + a.workspaceBytes);
    expect(a.totalBytes).toBeGreaterThan(0.5e9);
    expect(a.totalBytes).toBeLessThan(10e9); // ≈ 7.5 GB: 30 layers × 6656 tokens of saved activations dominate
    expect(r.totalBytes).toBeLessThan(1.5e9);
  });

  test('fit: refuses an unsplittable tensor above the binding limit, or a total above the budget', () => {
    const e = estimateTrainingMemory(SMOL256, PLAN);
    const ok = checkMemoryFit(e, { maxStorageBufferBindingSize: 2 * GiB, maxBufferSize: 2 * GiB }, 64);
    expect(ok.fits).toBe(true);
    expect(ok.summary).toMatch(/^needs ≈ [\d.]+ GB of GPU memory for training at batch 64; this adapter allows 2\.1 GB per buffer/);
    // the 49280-row table (57 MB) does not need to fit one binding: it is split
    expect(checkMemoryFit(e, { maxStorageBufferBindingSize: 50e6, maxBufferSize: 50e6 }, 64).fits).toBe(true);
    const small = checkMemoryFit(e, { maxStorageBufferBindingSize: 16 * 2 ** 20, maxBufferSize: 2 * GiB }, 64);
    expect(small.fits).toBe(false);
    expect(small.problem).toMatch(/activation \[\d+ tokens, 1536\].*per-buffer limit.*lower the chunk size/);
    const budget = checkMemoryFit(e, { maxStorageBufferBindingSize: 2 * GiB, maxBufferSize: 2 * GiB, budgetBytes: 0.05e9 }, 64);
    expect(budget.fits).toBe(false);
    expect(budget.problem).toMatch(/this device reports 50 MB/);
  });

  test('config.json of the real-size presets', () => {
    for (const [name, hidden, layers] of [['smolvlm-256m', 576, 30], ['smolvlm-500m', 960, 32]] as const) {
      const m = memoryModelFromConfig(tinyConfigJson(presetOptions(name), 49280, {}));
      expect(m).not.toBeNull();
      expect(m!.dtype).toBe('bf16');
      expect(m!.tokensPerImage).toBe(64);
      expect(m!.text).toMatchObject({ hidden, layers, vocab: 49280, headDim: 64 });
    }
    expect(memoryModelFromConfig({ text_config: {} })).toBeNull();
    expect(memoryModelFromConfig('nope')).toBeNull();
  });
});
