// Exact resume through real IndexedDB: N steps straight == k steps, checkpoint, dispose
// everything, load a NEW Vlm + Trainer.resume from the stored checkpoint, N − k more steps.
// Per-step losses and the final adapters / soft prompts / temperature must be bit-identical.
import { createStore } from 'idb-keyval';
import { expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { deleteRun, idbKeyValueStore, listCheckpoints, loadCheckpoint } from '../checkpoint/index.ts';
import { Trainer } from './trainer.ts';
import { loadTinyVlm, smallConfig, syntheticTrainData } from './test_data.ts';

const gpu = useGpu();
const N = 5, K = 2;

test('resume from IndexedDB continues bit-identically (crossing an epoch boundary)', async () => {
  const ctx = gpu();
  const store = idbKeyValueStore(createStore('discern-trainer-test', 'kv'));
  await deleteRun('resume-a', store);
  await deleteRun('resume-b', store);
  const cfg = smallConfig({ steps: N }); // 10 examples / batch 4 → 2 batches per epoch
  const run = async (runId: string, steps: number, resumeFrom?: number) => {
    const vlm = await loadTinyVlm(ctx);
    const data = syntheticTrainData(ctx, vlm, 10, 0);
    const t = resumeFrom === undefined
      ? await Trainer.create(ctx, vlm, data, cfg, { runId, modelId: 'tiny-random', store })
      : await Trainer.resume(ctx, vlm, data, await loadCheckpoint(runId, resumeFrom, store), { store });
    const losses: number[] = [], epochs: number[] = [];
    for (let s = 0; s < steps; s++) {
      const r = await t.step();
      losses.push(r.loss);
      epochs.push(r.epoch);
    }
    const files = await t.exportPeft();
    const saved = steps === K && resumeFrom === undefined ? await t.checkpoint() : null;
    t.dispose();
    ctx.release(data.features);
    vlm.dispose();
    return { losses, epochs, files, saved, done: t.done };
  };

  const straight = await run('resume-a', N);
  expect(straight.done).toBe(true);
  expect(straight.epochs).toEqual([0.4, 0.8, 1.4, 1.8, 2.4]); // drop-last: 2 of 10 skipped per epoch
  const first = await run('resume-b', K);
  expect(first.saved!.step).toBe(K);
  expect(first.saved!.bytes).toBeGreaterThan(1000);
  expect((await listCheckpoints('resume-b', store)).entries.map((e) => e.step)).toEqual([K]);
  const rest = await run('resume-b', N - K, K);

  const losses = [...first.losses, ...rest.losses];
  console.log(`losses straight ${straight.losses.map((x) => x.toFixed(6)).join(' ')}; resumed ${losses.map((x) => x.toFixed(6)).join(' ')}`);
  expect(losses).toEqual(straight.losses); // toEqual on numbers is Object.is: bit-identical
  expect([...first.epochs, ...rest.epochs]).toEqual(straight.epochs);
  for (const [name, bytes] of straight.files) expect(rest.files.get(name), name).toEqual(bytes);
  // the test is sensitive: the run moved, so equal files are not a tautology
  expect(first.files.get('adapter_model.safetensors')).not.toEqual(straight.files.get('adapter_model.safetensors'));
  expect(new Set(straight.losses).size).toBe(N);
  await deleteRun('resume-a', store);
  await deleteRun('resume-b', store);
});
