// The trainer's failure paths on the tiny model:
//  * a diverged step (NaN loss) → NonFiniteLossError naming the term, update not applied,
//    cursor rewound, the last good state stored (when finite) and readable, poisoned state
//    never saved;
//  * a full store → StorageQuotaError from checkpoint(), training state untouched;
//  * bad configuration / data refused before anything is touched.
import { expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { listCheckpoints, loadCheckpoint, memoryKeyValueStore, StorageQuotaError } from '../checkpoint/index.ts';
import { NonFiniteLossError } from '../vladva_step.ts';
import { TrainConfigError, TrainDataError, TrainerStateError } from './errors.ts';
import { Trainer } from './trainer.ts';
import { loadTinyVlm, smallConfig, syntheticTrainData } from './test_data.ts';

const gpu = useGpu();

test('NaN stops the run with NonFiniteLossError; the last good checkpoint is stored and loadable', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 8, 0);
  const store = memoryKeyValueStore();
  const t = await Trainer.create(ctx, vlm, data, smallConfig({ steps: 10 }), { runId: 'nan', modelId: 'tiny-random', store });
  await t.step();
  await t.checkpoint();
  await t.step();

  // 1. the data diverges (all features NaN): parameters are still finite → step 2's state is saved
  const table = await ctx.read(data.features);
  ctx.write(data.features, new Float32Array(table.length).fill(NaN));
  const e1 = await t.step().catch((e: unknown) => e);
  expect(e1).toBeInstanceOf(NonFiniteLossError);
  // which terms trip depends on how the adapter's exp/max treat NaN (SwiftShader keeps some
  // losses finite); the gradient norm always carries it
  console.log(`features NaN → ${(e1 as Error).message}`);
  expect((e1 as Error).message).toMatch(/step 3: NaN\/Inf in (contrastive loss, )?(next-token loss, )?gradient norm\./);
  expect((e1 as Error).message).toMatch(/Last good checkpoint: step 2\.$/);
  expect((e1 as Error).message).not.toMatch(/Parameters already non-finite/);
  expect(t.stepsDone).toBe(2);
  expect(t.lastGoodCheckpoint).toBe(2);
  expect((await listCheckpoints('nan', store)).entries.map((e) => e.step)).toEqual([1, 2]);
  const good = await loadCheckpoint('nan', 'latest', store);
  expect(good.step).toBe(2);
  expect(good.data.index).toBe(8); // rewound: the failed batch was not consumed
  ctx.write(data.features, table);

  // 2. a soft prompt is poisoned: the state is not finite → nothing new saved, step 2 stays latest
  const sp = await ctx.read(vlm.softPrompts.text);
  sp[3] = NaN;
  ctx.write(vlm.softPrompts.text, sp);
  const e2 = await t.step().catch((e: unknown) => e);
  expect(e2).toBeInstanceOf(NonFiniteLossError);
  console.log(`soft prompt NaN → ${(e2 as Error).message}`);
  expect((e2 as Error).message).toMatch(/step 3: NaN\/Inf in (contrastive loss, )?(next-token loss, )?gradient norm\./);
  expect((e2 as Error).message).toMatch(/Parameters already non-finite before this step: soft\.text\. Last good checkpoint: step 2\.$/);
  expect(t.lastGoodCheckpoint).toBe(2);
  await expect(t.checkpoint()).rejects.toThrow(TrainerStateError);
  await expect(t.checkpoint()).rejects.toThrow(/parameters hold NaN\/Inf; not saved, so the last good checkpoint \(2\) stays the latest/);
  expect((await listCheckpoints('nan', store)).entries.map((e) => e.step)).toEqual([1, 2]);
  t.dispose();

  // the stored good state resumes and trains on
  const r = await Trainer.resume(ctx, vlm, data, await loadCheckpoint('nan', 'latest', store), { store });
  const rep = await r.step();
  expect(rep.step).toBe(3);
  expect(Number.isFinite(rep.loss)).toBe(true);
  r.dispose();
  ctx.release(data.features);
  vlm.dispose();
});

test('a full store: checkpoint() throws StorageQuotaError and training goes on untouched', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 4, 0);
  const store = memoryKeyValueStore({ quotaBytes: 10_000 });
  const t = await Trainer.create(ctx, vlm, data, smallConfig({ steps: 3 }), { runId: 'full', modelId: 'tiny-random', store });
  await t.step();
  const err = await t.checkpoint().catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StorageQuotaError);
  expect((err as Error).message).toMatch(/storage full: saving ckpt\/full\/1 needs/);
  expect(t.stepsDone).toBe(1);
  expect(t.lastGoodCheckpoint).toBe(null);
  expect(store.usedBytes()).toBe(0);
  expect((await t.step()).step).toBe(2);
  t.dispose();
  ctx.release(data.features);
  vlm.dispose();
});

test('invalid configuration and data are refused before the run starts', async () => {
  const ctx = gpu();
  const vlm = await loadTinyVlm(ctx);
  const data = syntheticTrainData(ctx, vlm, 4, 0);
  const o = { runId: 'bad', modelId: 'tiny-random', store: memoryKeyValueStore() };
  const e = await Trainer.create(ctx, vlm, data, smallConfig({ batchSize: 1, lr: 0 }), o).catch((x: unknown) => x);
  expect(e).toBeInstanceOf(TrainConfigError);
  expect((e as TrainConfigError).errors.map((x) => x.field).sort()).toEqual(['batchSize', 'lr']);
  await expect(Trainer.create(ctx, vlm, data, smallConfig({ batchSize: 8, chunkSize: 4 }), o)).rejects.toThrow(/train: 4 examples cannot fill a batch of 8/);
  const bad = { ...data, train: [...data.train, { image: 99, short: 'a red cube', long: null }] };
  await expect(Trainer.create(ctx, vlm, bad, smallConfig(), o)).rejects.toThrow(TrainDataError);
  await expect(Trainer.create(ctx, vlm, bad, smallConfig(), o)).rejects.toThrow(/train\[4\]: image row 99 is outside the feature table of 4 images/);
  await expect(Trainer.create(ctx, vlm, data, smallConfig(), { ...o, runId: 'a/b' })).rejects.toThrow(/run id "a\/b"/);
  ctx.release(data.features);
  vlm.dispose();
});
