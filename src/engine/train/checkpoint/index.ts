// Versioned training checkpoints in IndexedDB. Format: format.ts; storage: store.ts; KV: kv.ts.
export * from './types.ts';
export * from './errors.ts';
export { serializeCheckpoint, deserializeCheckpoint, crc32 } from './format.ts';
export { idbKeyValueStore, memoryKeyValueStore, isQuotaError, type KeyValueStore } from './kv.ts';
export {
  saveCheckpoint, listCheckpoints, listRuns, loadCheckpoint, deleteRun, pruneCheckpoints, storageUsage, pickBest, runFinished,
  type CheckpointEntry, type RunIndex, type StorageUsage,
} from './store.ts';
