// The trainer on the tiny model with synthetic-scene captions: the loss falls, validation
// retrieval runs and picks the best checkpoint, pruning keeps last + best, and the exported
// PEFT adapter re-imports into a fresh Vlm with identical text and image embeddings.
import { expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { uploadAdapters } from '../../model/vlm/adapters.ts';
import { listCheckpoints, loadCheckpoint, memoryKeyValueStore } from '../checkpoint/index.ts';
import { importPeft } from '../peft/index.ts';
import { gatherFeatures } from './data.ts';
import { Trainer } from './trainer.ts';
import { loadTinyVlm, smallConfig, syntheticTrainData } from './test_data.ts';

const gpu = useGpu();

test('loss falls; validation R@1 picks the best checkpoint; pruning keeps last + best', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 8, 0);
  data.validation = data.train.slice(); // retrieval on the training pairs: measures the fit
  const store = memoryKeyValueStore();
  const cfg = smallConfig({ steps: 8, batchSize: 8, chunkSize: 4, lr: 2e-2, warmupSteps: 0, minLrRatio: 0.5, learnTemperature: false, checkpointEvery: 4, validateEvery: 4, keepCheckpoints: 1 });
  const t = await Trainer.create(ctx, vlm, data, cfg, { runId: 'falls', modelId: 'tiny-random', store });
  const before = await t.validate();
  const reports = [];
  while (!t.done) reports.push(await t.step());
  const losses = reports.map((r) => r.loss);
  console.log(`losses ${losses.map((x) => x.toFixed(3)).join(' ')} (contrastive ${reports.map((r) => r.contrastive.toFixed(3)).join(' ')}); val R@1 t2i ${before.value} → ${reports[3].validation!.value} → ${reports[7].validation!.value}; ${reports[0].examplesPerSec.toFixed(1)} ex/s, peak ${(reports[0].peakBytes / 2 ** 20).toFixed(1)} MiB`);
  const tail = losses.slice(-3).reduce((a, b) => a + b, 0) / 3;
  expect(tail).toBeLessThan(0.7 * losses[0]);
  expect(reports.every((r) => Number.isFinite(r.gradNorm) && r.seconds > 0 && r.peakBytes > 0)).toBe(true);
  expect(reports[0].lr).toBeCloseTo(2e-2, 8); // no warmup: lrAt(0) = peak
  expect(reports[7].lr).toBeLessThan(reports[0].lr);
  const v = reports[7].validation!;
  expect(v.name).toBe('val/R@1 t2i');
  expect(Object.keys(v.details).sort()).toEqual(['i2t/R@1', 'i2t/R@10', 'i2t/R@5', 'images', 't2i/R@1', 't2i/R@10', 't2i/R@5', 'texts']);
  expect(v.details['t2i/R@10']).toBe(1); // 8 images: every caption's image is in the top 10
  expect(v.value).toBe(v.details['t2i/R@1']);
  expect(before.value >= 0 && before.value <= 1).toBe(true);
  // the contrastive term falls and retrieval of the training pairs improves (0.25 → 1 here)
  expect(reports[7].contrastive).toBeLessThan(0.5 * reports[0].contrastive);
  expect(v.value).toBeGreaterThan(before.value);
  expect(reports[3].checkpoint!.step).toBe(4);
  expect(reports[7].checkpoint!.step).toBe(8);

  const index = await listCheckpoints('falls', store);
  const vals = [reports[3].validation!.value, reports[7].validation!.value];
  const best = vals[1] > vals[0] ? 8 : 4;
  expect(index.best).toBe(best);
  expect(index.entries.map((e) => e.step)).toEqual(best === 4 ? [4, 8] : [8]);
  const last = await loadCheckpoint('falls', 'latest', store);
  expect(last.metrics.validation).toEqual({ name: 'val/R@1 t2i', value: vals[1], higherIsBetter: true });
  expect(Array.from(last.metrics.series.loss)).toEqual(Array.from(Float32Array.from(losses)));
  expect(last.config).toEqual(cfg);
  t.dispose();
  ctx.release(data.features);
  vlm.dispose();
});

test('exportPeft → importPeft into a fresh Vlm gives identical text and image embeddings', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 6, 0);
  const t = await Trainer.create(ctx, vlm, data, smallConfig({ steps: 2 }), { runId: 'peft', modelId: 'tiny-random', store: memoryKeyValueStore() });
  await t.step();
  await t.step();
  const files = await t.exportPeft({ baseModel: 'local/tiny-random' });
  expect([...files.keys()].sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors']);

  const fresh = await loadTinyVlm(ctx);
  const imported = await importPeft(files, { dims: fresh.dims });
  expect(imported.meta.baseModel).toBe('local/tiny-random');
  for (const rec of fresh.adapters?.layers ?? []) for (const p of Object.values(rec)) ctx.release(p!.A, p!.B);
  fresh.adapters = uploadAdapters(ctx, imported.adapters, fresh.dims);
  ctx.write(fresh.softPrompts.image, imported.softPrompts!.image);
  ctx.write(fresh.softPrompts.text, imported.softPrompts!.text);

  const texts = data.train.map((e) => e.short);
  const feats = gatherFeatures(ctx, data.features, [0, 1, 2, 3, 4, 5]);
  const embed = async (v: typeof vlm) => {
    const ti = v.embedTexts(texts), ii = v.embedImages(feats, 6);
    const out = { text: await ctx.read(ti), image: await ctx.read(ii) };
    ctx.release(ti, ii);
    return out;
  };
  const a = await embed(vlm), b = await embed(fresh);
  expect(b.text).toEqual(a.text);
  expect(b.image).toEqual(a.image);
  // and training changed them: the base prompt embeddings differ
  fresh.useAdapters = false;
  const base = await embed(fresh);
  expect(base.text).not.toEqual(a.text);
  ctx.release(feats, data.features);
  t.dispose();
  vlm.dispose();
  fresh.dispose();
});

test('gradient accumulation and per-layer recompute: one update per accumulationSteps batches', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 8, 1);
  const cfg = smallConfig({ steps: 2, batchSize: 4, chunkSize: 2, lr: 1e-2, warmupSteps: 0, accumulationSteps: 2, activationRecompute: true, checkpointEvery: 0, validateEvery: 0 });
  const t = await Trainer.create(ctx, vlm, data, cfg, { runId: 'accum', modelId: 'tiny-random', store: memoryKeyValueStore() });
  const r1 = await t.step();
  const r2 = await t.step();
  expect(t.done).toBe(true);
  expect([r1.step, r2.step]).toEqual([1, 2]);
  expect(Number.isFinite(r1.loss) && Number.isFinite(r2.loss)).toBe(true);
  expect(r2.epoch).toBeGreaterThanOrEqual(1); // 2 updates × 2 batches × 4 = 16 examples = 2 epochs of 8
  t.dispose();
  ctx.release(data.features);
  vlm.dispose();
});
