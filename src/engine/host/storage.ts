// Storage requests of the worker protocol: what this origin keeps, per kind, and clearing it.
//
//   storageReport(checkpoints, hub)   checkpoints per run (+ navigator.storage.estimate), the
//                                     feature cache (entries, bytes of Float32 rows) and the
//                                     downloaded models (model/io/hub/cache.ts, OPFS)
//   clearStorage(args, checkpoints, busyRunId, hub, busyModel)
//                                     'checkpoints' (one run or all) | 'features' (the whole
//                                     cache) | 'models' (one downloaded model or all)
// The feature cache lives in its own database (feature_cache.ts, "discern-features"); its size
// is measured by reading the rows (small for the sizes a tab can hold; no per-key size API).
// Trap: a running training run's checkpoints cannot be cleared (the run would write into a
// half-deleted index), nor the files of the model a run is training — StorageBusyError.
import { clear, createStore, values, type UseStore } from 'idb-keyval';
import { deleteRun, listRuns, storageUsage, type KeyValueStore } from '../train/checkpoint/index.ts';
import type { Api } from '../../protocol/messages.ts';
import type { HubCache } from '../model/io/hub/cache.ts';
import { FEATURE_DB, FEATURE_STORE } from './feature_cache.ts';

export class StorageBusyError extends Error {
  override readonly name = 'StorageBusyError';
}

let featureDb: UseStore | null = null;
const features = () => (featureDb ??= createStore(FEATURE_DB, FEATURE_STORE));

export async function featureCacheUsage(db: UseStore = features()): Promise<{ count: number; bytes: number }> {
  const rows = await values<unknown>(db);
  let bytes = 0;
  for (const r of rows) if (ArrayBuffer.isView(r)) bytes += r.byteLength;
  return { count: rows.length, bytes };
}

export async function storageReport(checkpoints: KeyValueStore, hub: HubCache | null = null): Promise<Api['storage-usage']['result']> {
  return { checkpoints: await storageUsage(checkpoints), features: await featureCacheUsage(), models: (await hub?.list()) ?? [] };
}

/** Clears one kind; `busyRunId` is the run currently training or paused (never deleted). */
export async function clearStorage(
  args: Api['storage-clear']['args'], checkpoints: KeyValueStore, busyRunId: string | null,
  hub: HubCache | null = null, busyModel: string | null = null,
): Promise<Api['storage-clear']['result']> {
  if (args.kind === 'models') {
    if (busyModel) throw new StorageBusyError(`storage-clear: ${busyModel} is the model a run is training; stop it before deleting its files`);
    return hub ? hub.delete(args.key) : { removed: 0, bytes: 0 };
  }
  if (args.kind === 'features') {
    const before = await featureCacheUsage();
    await clear(features());
    return { removed: before.count, bytes: before.bytes };
  }
  const runs = (await listRuns(checkpoints)).filter((r) => !args.runId || r.runId === args.runId);
  if (busyRunId && runs.some((r) => r.runId === busyRunId)) {
    throw new StorageBusyError(`storage-clear: run "${busyRunId}" is training; stop it before deleting its checkpoints`);
  }
  let removed = 0;
  let bytes = 0;
  for (const r of runs) {
    removed += r.entries.length;
    bytes += r.entries.reduce((a, e) => a + e.bytes, 0);
    await deleteRun(r.runId, checkpoints);
  }
  return { removed, bytes };
}
