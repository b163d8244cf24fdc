// The ablation switches of TrainConfig on the tiny model: what is frozen stays bit-identical
// after a step while the rest moves; a soft-prompt-only run has no adapters, checkpoints an
// empty adapter record and resumes from it; the validator refuses "nothing to train".
import { expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { downloadAdapters } from '../../model/vlm/adapters.ts';
import { loadCheckpoint, memoryKeyValueStore } from '../checkpoint/index.ts';
import { TrainConfigError, TrainerStateError } from './errors.ts';
import { Trainer } from './trainer.ts';
import { loadTinyVlm, smallConfig, syntheticTrainData } from './test_data.ts';

const gpu = useGpu();
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((x, i) => Object.is(x, b[i]));
const maxAbs = (a: Float32Array) => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

test('trainSoftPrompts false: soft prompts stay bit-identical, LoRA moves', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 4, 0);
  const sp0 = [await ctx.read(vlm.softPrompts.image), await ctx.read(vlm.softPrompts.text)];
  const t = await Trainer.create(ctx, vlm, data, smallConfig({ steps: 1, batchSize: 4, chunkSize: 4, warmupSteps: 0, trainSoftPrompts: false }), { runId: 'sp-frozen', modelId: 'tiny-random' });
  const r = await t.step();
  expect(Number.isFinite(r.loss) && r.gradNorm > 0).toBe(true);
  await ctx.sync();
  expect(same(await ctx.read(vlm.softPrompts.image), sp0[0])).toBe(true);
  expect(same(await ctx.read(vlm.softPrompts.text), sp0[1])).toBe(true);
  const a = await downloadAdapters(ctx, vlm.adapters!, vlm.dims);
  expect(maxAbs(a.layers[0].q!.B)).toBeGreaterThan(0); // B starts at 0: one step moves it
  t.dispose();
  ctx.release(data.features);
  vlm.dispose();
});

test('trainLora false: no adapters, soft prompts move; checkpoint + resume; no PEFT export', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 4, 0);
  const sp0 = await ctx.read(vlm.softPrompts.text);
  const store = memoryKeyValueStore();
  const cfg = smallConfig({ steps: 2, batchSize: 4, chunkSize: 4, warmupSteps: 0, trainLora: false, checkpointEvery: 1 });
  const t = await Trainer.create(ctx, vlm, data, cfg, { runId: 'lora-off', modelId: 'tiny-random', store });
  expect(vlm.adapters).toBeNull();
  const r = await t.step();
  expect(Number.isFinite(r.loss) && r.gradNorm > 0).toBe(true);
  expect(r.checkpoint!.step).toBe(1);
  await ctx.sync();
  const sp1 = await ctx.read(vlm.softPrompts.text);
  expect(same(sp1, sp0)).toBe(false);
  await expect(t.exportPeft()).rejects.toThrow(TrainerStateError);
  t.dispose();

  const ck = await loadCheckpoint('lora-off', 'latest', store);
  expect(ck.adapters.layers).toEqual([]);
  expect(Object.keys(ck.optimizer.moments).sort()).toEqual(['logTau', 'soft.image', 'soft.text']);
  const vlm2 = await loadTinyVlm(ctx);
  const t2 = await Trainer.resume(ctx, vlm2, data, ck, { store });
  expect(vlm2.adapters).toBeNull();
  expect(same(await ctx.read(vlm2.softPrompts.text), sp1)).toBe(true);
  expect((await t2.step()).step).toBe(2);
  t2.dispose();
  // a checkpoint with adapters cannot resume as a LoRA-free run
  const forged = { ...ck, adapters: { ...ck.adapters, layers: [{}] } };
  await expect(Trainer.resume(ctx, vlm2, data, forged, { store })).rejects.toThrow(/trainLora false but the checkpoint holds 1 layers/);
  await expect(Trainer.create(ctx, vlm2, data, smallConfig({ trainLora: false, trainSoftPrompts: false }), { runId: 'x', modelId: 'm' }))
    .rejects.toThrow(TrainConfigError);
  ctx.release(data.features);
  vlm.dispose();
  vlm2.dispose();
});
