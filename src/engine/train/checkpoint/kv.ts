/**
 * The tiny key-value interface checkpoints are stored through, with an IndexedDB implementation
 * (idb-keyval's createStore) and an in-memory one (Node tests, quota simulation).
 *
 * Public API:
 *   interface KeyValueStore { get(key), keys(), write(puts, dels?) }   — write is ATOMIC
 *   idbKeyValueStore(useStore?)    — default store: database "discern-checkpoints", object store "kv"
 *   memoryKeyValueStore({ quotaBytes? }) — throws DOMException "QuotaExceededError" past the quota
 *   isQuotaError(e)                — recognises QuotaExceededError however it arrives
 *   valueBytes(v)                  — byte size of a stored value (typed arrays exactly, JSON otherwise)
 * Trap: a single IndexedDB transaction carries all puts and deletes of one `write`, so a save
 * whose blob does not fit leaves neither blob nor index change behind.
 */
import { createStore, get, keys, promisifyRequest, type UseStore } from 'idb-keyval';

export interface KeyValueStore {
  get<T = unknown>(key: string): Promise<T | undefined>;
  keys(): Promise<string[]>;
  /** All puts and deletes land together or not at all. */
  write(puts: ReadonlyArray<readonly [string, unknown]>, dels?: readonly string[]): Promise<void>;
}

// A database of its own: idb-keyval's createStore only creates the object store when the
// database is new, so sharing a database name with another idb-keyval store would fail.
export const DEFAULT_DB = 'discern-checkpoints';
export const DEFAULT_STORE = 'kv';

export function idbKeyValueStore(useStore: UseStore = createStore(DEFAULT_DB, DEFAULT_STORE)): KeyValueStore {
  return {
    get: <T>(key: string) => get<T>(key, useStore),
    keys: async () => (await keys(useStore)).map(String),
    write: (puts, dels = []) =>
      useStore('readwrite', (store) => {
        for (const [k, v] of puts) store.put(v, k);
        for (const k of dels) store.delete(k);
        return promisifyRequest(store.transaction);
      }),
  };
}

export function valueBytes(v: unknown): number {
  if (ArrayBuffer.isView(v)) return v.byteLength;
  if (v instanceof ArrayBuffer) return v.byteLength;
  if (v === undefined) return 0;
  return new TextEncoder().encode(JSON.stringify(v)).byteLength;
}

/** Structured-clone-like copy so callers cannot mutate stored values (as with IndexedDB). */
function clone<T>(v: T): T {
  return structuredClone(v);
}

export function memoryKeyValueStore(opts: { quotaBytes?: number } = {}): KeyValueStore & { usedBytes(): number } {
  const map = new Map<string, unknown>();
  const used = () => [...map.values()].reduce<number>((a, v) => a + valueBytes(v), 0);
  return {
    get: async <T>(key: string) => (map.has(key) ? clone(map.get(key)) as T : undefined),
    keys: async () => [...map.keys()],
    usedBytes: used,
    async write(puts, dels = []) {
      const next = new Map(map);
      for (const [k, v] of puts) next.set(k, clone(v));
      for (const k of dels) next.delete(k);
      const after = [...next.values()].reduce<number>((a, v) => a + valueBytes(v), 0);
      if (opts.quotaBytes !== undefined && after > opts.quotaBytes) {
        throw new DOMException(`memory store: ${after} bytes exceed the ${opts.quotaBytes}-byte quota`, 'QuotaExceededError');
      }
      map.clear();
      for (const [k, v] of next) map.set(k, v);
    },
  };
}

export function isQuotaError(e: unknown): boolean {
  const err = e as { name?: unknown; code?: unknown } | null;
  return !!err && (err.name === 'QuotaExceededError' || err.code === 22);
}
