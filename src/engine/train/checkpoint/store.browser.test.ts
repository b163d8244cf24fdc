// The checkpoint store on real IndexedDB in headless Chromium: round trip across store
// instances (a reloaded tab), the default store, storage estimate, and a QuotaExceededError
// injected into a real IndexedDB transaction (which is rolled back).
import { createStore, type UseStore } from 'idb-keyval';
import { afterAll, describe, expect, test } from 'vitest';
import { StorageQuotaError } from './errors.ts';
import { idbKeyValueStore, valueBytes } from './kv.ts';
import { deleteRun, listCheckpoints, loadCheckpoint, pruneCheckpoints, saveCheckpoint, storageUsage } from './store.ts';
import { makeCheckpoint, scalars, tensorBits } from './test_fixture.ts';

const DBS: string[] = [];
function freshDb(): string {
  const name = `discern-test-${DBS.length}-${Date.now()}`;
  DBS.push(name);
  return name;
}

afterAll(async () => {
  for (const name of DBS) {
    await new Promise<void>((res, rej) => {
      const r = indexedDB.deleteDatabase(name);
      r.onsuccess = () => res();
      r.onerror = () => rej(r.error);
      r.onblocked = () => res();
    });
  }
});

/**
 * A real IndexedDB store whose `put` of any value larger than `maxValueBytes` behaves like a full
 * disk: the write is issued, the transaction is aborted (rolled back) and QuotaExceededError thrown.
 */
function quotaLimited(dbName: string, maxValueBytes: number): UseStore {
  const real = createStore(dbName, 'kv');
  return (mode, callback) =>
    real(mode, (store) => {
      if (mode !== 'readwrite') return callback(store);
      const wrapped = new Proxy(store, {
        get(target, prop) {
          if (prop === 'put') {
            return (value: unknown, key?: IDBValidKey) => {
              const req = target.put(value, key);
              if (valueBytes(value) > maxValueBytes) {
                target.transaction.abort();
                throw new DOMException(`injected: ${valueBytes(value)} bytes do not fit`, 'QuotaExceededError');
              }
              return req;
            };
          }
          const v = Reflect.get(target, prop, target);
          return typeof v === 'function' ? v.bind(target) : v;
        },
      });
      return callback(wrapped);
    });
}

describe('checkpoint store on IndexedDB (Chromium)', () => {
  test('round trip through IndexedDB, readable from a new store instance (reloaded tab)', async () => {
    const db = freshDb();
    const a = makeCheckpoint({ runId: 'run-1', step: 4, validation: { name: 'val/R@1', value: 0.3, higherIsBetter: true } });
    const b = makeCheckpoint({ runId: 'run-1', step: 8, validation: { name: 'val/R@1', value: 0.2, higherIsBetter: true } });
    await saveCheckpoint(a, { store: idbKeyValueStore(createStore(db, 'kv')) });
    await saveCheckpoint(b, { store: idbKeyValueStore(createStore(db, 'kv')) });
    const reopened = idbKeyValueStore(createStore(db, 'kv'));
    const idx = await listCheckpoints('run-1', reopened);
    expect(idx.entries.map((e) => e.step)).toEqual([4, 8]);
    expect(idx.best).toBe(4);
    const latest = await loadCheckpoint('run-1', 'latest', reopened);
    expect(tensorBits(latest)).toEqual(tensorBits(b));
    expect(scalars(latest)).toEqual(scalars(b));
    expect(tensorBits(await loadCheckpoint('run-1', 'best', reopened))).toEqual(tensorBits(a));
    expect(await pruneCheckpoints('run-1', 1, reopened)).toEqual([]); // best (4) and last (8) both kept
  });

  test('default store, storage estimate and deleteRun', async () => {
    const c = makeCheckpoint({ runId: 'browser-default-store', step: 2 });
    await saveCheckpoint(c);
    const u = await storageUsage();
    expect(u.estimate).not.toBeNull();
    expect(u.estimate!.quota).toBeGreaterThan(0);
    expect(u.estimate!.usage).toBeGreaterThan(0);
    const run = u.runs.find((r) => r.runId === 'browser-default-store')!;
    expect(run.count).toBe(1);
    expect(run.bytes).toBe((await listCheckpoints('browser-default-store')).entries[0].bytes);
    await deleteRun('browser-default-store');
    expect((await storageUsage()).runs.some((r) => r.runId === 'browser-default-store')).toBe(false);
  });

  test('QuotaExceededError in the transaction → StorageQuotaError, previous checkpoints intact', async () => {
    const db = freshDb();
    const first = makeCheckpoint({ runId: 'q', step: 1 });
    await saveCheckpoint(first, { store: idbKeyValueStore(createStore(db, 'kv')) });
    const size = (await listCheckpoints('q', idbKeyValueStore(createStore(db, 'kv')))).entries[0].bytes;
    const big = makeCheckpoint({ runId: 'q', step: 2, rank: 4 }); // twice the LoRA bytes
    const store = idbKeyValueStore(quotaLimited(db, size + 16));
    const err = await saveCheckpoint(big, { store }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageQuotaError);
    expect(err.message).toMatch(/saving ckpt\/q\/2 needs .* run "q": 1 checkpoint\(s\)/);
    expect(err.estimate.quota).toBeGreaterThan(0);
    const idx = await listCheckpoints('q', store);
    expect(idx.entries.map((e) => e.step)).toEqual([1]);
    expect(await store.get('ckpt/q/2')).toBeUndefined(); // the aborted put left nothing
    expect(tensorBits(await loadCheckpoint('q', 'latest', store))).toEqual(tensorBits(first));
    // a checkpoint that fits still saves through the same limited store
    await saveCheckpoint(makeCheckpoint({ runId: 'q', step: 3 }), { store });
    expect((await listCheckpoints('q', store)).entries.map((e) => e.step)).toEqual([1, 3]);
  });
});
