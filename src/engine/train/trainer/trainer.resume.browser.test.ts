// Exact resume through real IndexedDB: N steps straight == k steps, checkpoint, dispose
// everything, load a NEW Vlm + Trainer.resume from the stored checkpoint, N − k more steps.
// Per-step losses, the examples each step reads (data order) and the final adapters / soft
// prompts / temperature must be bit-identical. Two splits: K = 2 sits right before an epoch
// boundary (the resumed run draws the next permutation from the restored data RNG), K = 3 just
// after one (the resumed run rebuilds epoch 1's permutation from the stored cursor).
import { createStore } from 'idb-keyval';
import { expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { deleteRun, idbKeyValueStore, listCheckpoints, loadCheckpoint } from '../checkpoint/index.ts';
import { Trainer } from './trainer.ts';
import { loadTinyVlm, smallConfig, syntheticTrainData } from './test_data.ts';

const gpu = useGpu();
const N = 5, SPLITS = [2, 3];

test('resume from IndexedDB continues bit-identically (crossing an epoch boundary)', async () => {
  const ctx = gpu();
  const store = idbKeyValueStore(createStore('discern-trainer-test', 'kv'));
  const runs = ['resume-a', ...SPLITS.map((k) => `resume-b${k}`)];
  for (const r of runs) await deleteRun(r, store);
  const cfg = smallConfig({ steps: N }); // 10 examples / batch 4 → 2 batches per epoch
  const run = async (runId: string, steps: number, resumeFrom?: number, save = false) => {
    const vlm = await loadTinyVlm(ctx);
    const data = syntheticTrainData(ctx, vlm, 10, 0);
    // record which training examples each step reads: the trainer indexes data.train per batch
    let batch: number[] | null = null;
    data.train = new Proxy(data.train, {
      get(target, p, recv) {
        if (batch && typeof p === 'string' && /^\d+$/.test(p)) batch.push(Number(p));
        return Reflect.get(target, p, recv);
      },
    });
    const t = resumeFrom === undefined
      ? await Trainer.create(ctx, vlm, data, cfg, { runId, modelId: 'tiny-random', store })
      : await Trainer.resume(ctx, vlm, data, await loadCheckpoint(runId, resumeFrom, store), { store });
    const losses: number[] = [], epochs: number[] = [], order: number[][] = [];
    for (let s = 0; s < steps; s++) {
      order.push(batch = []);
      const r = await t.step();
      batch = null;
      losses.push(r.loss);
      epochs.push(r.epoch);
    }
    const files = await t.exportPeft();
    const saved = save ? await t.checkpoint() : null;
    t.dispose();
    ctx.release(data.features);
    vlm.dispose();
    return { losses, epochs, order, files, saved, done: t.done };
  };

  const straight = await run('resume-a', N);
  expect(straight.done).toBe(true);
  expect(straight.epochs).toEqual([0.4, 0.8, 1.4, 1.8, 2.4]); // drop-last: 2 of 10 skipped per epoch
  expect(straight.order.every((b) => b.length === 4)).toBe(true);
  expect(straight.order[2]).not.toEqual(straight.order[0]); // a new permutation per epoch
  expect(new Set(straight.losses).size).toBe(N);
  for (const K of SPLITS) {
    const id = `resume-b${K}`;
    const first = await run(id, K, undefined, true);
    expect(first.saved!.step).toBe(K);
    expect(first.saved!.bytes).toBeGreaterThan(1000);
    expect((await listCheckpoints(id, store)).entries.map((e) => e.step)).toEqual([K]);
    const rest = await run(id, N - K, K);
    const losses = [...first.losses, ...rest.losses];
    console.log(`K=${K}: losses straight ${straight.losses.map((x) => x.toFixed(6)).join(' ')}; resumed ${losses.map((x) => x.toFixed(6)).join(' ')}`);
    expect([...first.order, ...rest.order], `K=${K} data order`).toEqual(straight.order); // same examples, same order
    expect(losses, `K=${K} losses`).toEqual(straight.losses); // toEqual on numbers is Object.is: bit-identical
    expect([...first.epochs, ...rest.epochs]).toEqual(straight.epochs);
    for (const [name, bytes] of straight.files) expect(rest.files.get(name), `K=${K} ${name}`).toEqual(bytes);
    // the test is sensitive: the run moved, so equal files are not a tautology
    expect(first.files.get('adapter_model.safetensors')).not.toEqual(straight.files.get('adapter_model.safetensors'));
  }
  for (const r of runs) await deleteRun(r, store);
});
