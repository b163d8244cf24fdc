// What the checkpoint store reports about stored runs (list-checkpoints, storage-usage).
// The engine's store (engine/train/checkpoint/store.ts) writes and reads exactly these
// shapes in IndexedDB. Types only.

/** The metric a checkpoint was validated with, e.g. { name: 'val/R@1 t2i', value, higherIsBetter }. */
export interface ValidationMetric {
  name: string;
  value: number;
  higherIsBetter: boolean;
}

export interface CheckpointEntry {
  step: number;
  createdAt: string;
  bytes: number;
  validation: ValidationMetric | null;
  /** Last value of metrics.series.loss, when present. */
  lastLoss: number | null;
}

export interface RunIndex {
  format: 'discern-checkpoint-index';
  version: 1;
  runId: string;
  modelId: string;
  /** Sorted by step. */
  entries: CheckpointEntry[];
  /** Step of the best checkpoint by validation metric, or null when none has one. */
  best: number | null;
  /** The run's configured length (config.steps of its latest checkpoint); absent in indexes
   * written before it was recorded. A run whose latest entry reached it is finished. */
  totalSteps?: number;
}

export interface StorageUsage {
  /** navigator.storage.estimate() for the whole origin, when the platform has it. */
  estimate: { usage: number; quota: number; indexedDB: number | null } | null;
  checkpoints: { count: number; bytes: number };
  indexes: { count: number; bytes: number };
  /** Blobs under ckpt/ that no index lists (an interrupted delete) and foreign keys. */
  other: { count: number; bytes: number };
  runs: { runId: string; count: number; bytes: number; latest: number | null; best: number | null }[];
}
