// The checkpoint store over the in-memory KeyValueStore (same code path as IndexedDB; the
// browser test repeats the essentials on real IndexedDB).
import { describe, expect, test } from 'vitest';
import { CheckpointFormatError, CheckpointNotFoundError, StorageQuotaError } from './errors.ts';
import { memoryKeyValueStore } from './kv.ts';
import {
  blobKey, deleteRun, listCheckpoints, listRuns, loadCheckpoint, pickBest, pruneCheckpoints, runFinished, saveCheckpoint, storageUsage,
} from './store.ts';
import { makeCheckpoint, tensorBits } from './test_fixture.ts';

const val = (value: number) => ({ name: 'val/R@1', value, higherIsBetter: true });

describe('checkpoint store (memory KV)', () => {
  test('the index records the run length; a run is finished once a checkpoint reaches it', async () => {
    const store = memoryKeyValueStore();
    const at = (step: number, steps: number) => ({ ...makeCheckpoint({ runId: 'len', step }), config: { steps } });
    await saveCheckpoint(at(3, 5), { store });
    let idx = await listCheckpoints('len', store);
    expect(idx.totalSteps).toBe(5);
    expect(runFinished(idx)).toBe(false);
    await saveCheckpoint(at(5, 5), { store });
    idx = await listCheckpoints('len', store);
    expect(runFinished(idx)).toBe(true);
    // indexes written before totalSteps existed: never "finished" (resume stays offered)
    expect(runFinished({ entries: idx.entries })).toBe(false);
    // a config without a numeric step count records none
    await saveCheckpoint({ ...makeCheckpoint({ runId: 'nolen', step: 1 }), config: { lr: 1 } }, { store });
    expect((await listCheckpoints('nolen', store)).totalSteps).toBeUndefined();
  });

  test('save → list → load latest / best / by step, bit-identical', async () => {
    const store = memoryKeyValueStore();
    const saved = [10, 20, 30].map((step, i) => makeCheckpoint({ runId: 'run1', step, validation: val([0.2, 0.5, 0.4][i]) }));
    for (const c of saved) await saveCheckpoint(c, { store });
    const idx = await listCheckpoints('run1', store);
    expect(idx.entries.map((e) => e.step)).toEqual([10, 20, 30]);
    expect(idx.best).toBe(20);
    expect(idx.entries[0].bytes).toBeGreaterThan(1000);
    expect(idx.entries[2].validation).toEqual(val(0.4));
    expect(idx.entries[2].lastLoss).toBe(saved[2].metrics.series.loss.at(-1));
    expect(tensorBits(await loadCheckpoint('run1', 'latest', store))).toEqual(tensorBits(saved[2]));
    expect(tensorBits(await loadCheckpoint('run1', 'best', store))).toEqual(tensorBits(saved[1]));
    const ten = await loadCheckpoint('run1', 10, store);
    expect(tensorBits(ten)).toEqual(tensorBits(saved[0]));
    expect(ten.rng).toEqual(saved[0].rng);
    expect(ten.data).toEqual(saved[0].data);
    // saving a step again replaces it (one entry, new contents, best recomputed)
    const again = makeCheckpoint({ runId: 'run1', step: 20, seed: 99, validation: val(0.1) });
    await saveCheckpoint(again, { store });
    const idx2 = await listCheckpoints('run1', store);
    expect(idx2.entries.map((e) => e.step)).toEqual([10, 20, 30]);
    expect(idx2.best).toBe(30);
    expect(tensorBits(await loadCheckpoint('run1', 20, store))).toEqual(tensorBits(again));
  });

  test('missing steps and runs are CheckpointNotFoundError listing what exists', async () => {
    const store = memoryKeyValueStore();
    await saveCheckpoint(makeCheckpoint({ runId: 'r', step: 5 }), { store });
    await expect(loadCheckpoint('r', 6, store)).rejects.toThrow(/no checkpoint at step 6 for run "r" \(stored steps: 5\)/);
    await expect(loadCheckpoint('r', 'best', store)).rejects.toThrow(CheckpointNotFoundError); // no validation yet
    await expect(loadCheckpoint('nope', 'latest', store)).rejects.toThrow(/the run has no checkpoints/);
    await expect(listCheckpoints('bad/id', store)).rejects.toThrow(/run id must be/);
  });

  test('a corrupt stored blob loads as CheckpointFormatError naming the key', async () => {
    const store = memoryKeyValueStore();
    await saveCheckpoint(makeCheckpoint({ runId: 'r', step: 5 }), { store });
    const blob = (await store.get<Uint8Array>(blobKey('r', 5)))!;
    blob[blob.length - 1] ^= 1;
    await store.write([[blobKey('r', 5), blob]]);
    await expect(loadCheckpoint('r', 5, store)).rejects.toThrow(/checkpoint ckpt\/r\/5: data section CRC-32/);
    await store.write([[blobKey('r', 5), 'not bytes']]);
    await expect(loadCheckpoint('r', 5, store)).rejects.toThrow(CheckpointFormatError);
  });

  test('prune keeps the last N and the best; keepLast on save prunes atomically', async () => {
    const store = memoryKeyValueStore();
    const values = [0.1, 0.9, 0.3, 0.2, 0.4, 0.5];
    for (let i = 0; i < values.length; i++) {
      await saveCheckpoint(makeCheckpoint({ runId: 'p', step: i + 1, validation: val(values[i]) }), { store });
    }
    expect(await pruneCheckpoints('p', 2, store)).toEqual([1, 3, 4]);
    expect((await listCheckpoints('p', store)).entries.map((e) => e.step)).toEqual([2, 5, 6]);
    expect((await store.keys()).filter((k) => k.startsWith('ckpt/p/')).sort()).toEqual(['ckpt/p/2', 'ckpt/p/5', 'ckpt/p/6', 'ckpt/p/index']);
    await saveCheckpoint(makeCheckpoint({ runId: 'p', step: 7, validation: val(0.6) }), { store, keepLast: 1 });
    expect((await listCheckpoints('p', store)).entries.map((e) => e.step)).toEqual([2, 7]);
    expect(await store.get(blobKey('p', 5))).toBeUndefined();
    // lower-is-better metrics pick the minimum; ties keep the earlier step
    const e = (step: number, value: number) => ({ step, createdAt: '', bytes: 0, lastLoss: null, validation: { name: 'loss', value, higherIsBetter: false } });
    expect(pickBest([e(1, 3), e(2, 1), e(3, 1), e(4, 2)])).toBe(2);
  });

  test('QuotaExceededError becomes StorageQuotaError; earlier checkpoints stay intact', async () => {
    const probe = memoryKeyValueStore();
    const first = makeCheckpoint({ runId: 'q', step: 1 });
    await saveCheckpoint(first, { store: probe });
    const one = probe.usedBytes();
    const store = memoryKeyValueStore({ quotaBytes: Math.floor(one * 1.5) }); // room for one, not two
    await saveCheckpoint(first, { store });
    const before = new Map(await Promise.all((await store.keys()).map(async (k) => [k, await store.get(k)] as const)));
    const err = await saveCheckpoint(makeCheckpoint({ runId: 'q', step: 2 }), { store }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    expect(err.neededBytes).toBeGreaterThan(one * 0.9);
    expect(err.stored).toEqual([{ runId: 'q', count: 1, bytes: (await listCheckpoints('q', store)).entries[0].bytes }]);
    expect(err.message).toMatch(/storage full: saving ckpt\/q\/2 needs [\d.]+ MB \(\d+ bytes\).*run "q": 1 checkpoint\(s\).*Earlier checkpoints are intact/);
    expect(err.cause?.name).toBe('QuotaExceededError');
    const after = new Map(await Promise.all((await store.keys()).map(async (k) => [k, await store.get(k)] as const)));
    expect(after).toEqual(before);
    expect(tensorBits(await loadCheckpoint('q', 'latest', store))).toEqual(tensorBits(first));
  });

  test('storageUsage counts per kind and per run; deleteRun removes everything of one run', async () => {
    const store = memoryKeyValueStore();
    await saveCheckpoint(makeCheckpoint({ runId: 'a', step: 1 }), { store });
    await saveCheckpoint(makeCheckpoint({ runId: 'a', step: 2, validation: val(1) }), { store });
    await saveCheckpoint(makeCheckpoint({ runId: 'b', step: 1 }), { store });
    await store.write([['ckpt/a/99', new Uint8Array(123)]]); // orphan blob (interrupted delete)
    const u = await storageUsage(store);
    const ia = await listCheckpoints('a', store), ib = await listCheckpoints('b', store);
    const bytesA = ia.entries.reduce((s, e) => s + e.bytes, 0);
    expect(u.checkpoints).toEqual({ count: 3, bytes: bytesA + ib.entries[0].bytes });
    expect(u.indexes.count).toBe(2);
    expect(u.other).toEqual({ count: 1, bytes: 123 });
    expect(u.runs).toEqual([
      { runId: 'a', count: 2, bytes: bytesA, latest: 2, best: 2 },
      { runId: 'b', count: 1, bytes: ib.entries[0].bytes, latest: 1, best: null },
    ]);
    expect(u.checkpoints.bytes + u.indexes.bytes + u.other.bytes).toBe(store.usedBytes());
    await deleteRun('a', store);
    expect((await listRuns(store)).map((r) => r.runId)).toEqual(['b']);
    expect((await store.keys()).some((k) => k.startsWith('ckpt/a/'))).toBe(false);
  });
});
