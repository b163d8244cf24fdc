// State shape of the store, one slice per screen. Types only.
import type { BundledModelName, CachedModel, DataSummary, DownloadEvent, GpuCaps, ModelInfo, Problem, RunIndex, StorageUsage, TrainState } from '../../protocol/messages.ts';

export type Status = 'idle' | 'loading' | 'ready' | 'error';

export interface DeviceSlice {
  status: Status;
  caps?: GpuCaps;
  summary?: string;
  error?: string;
  checks?: { name: string; maxAbsErr: number; ok: boolean }[];
}

export interface ModelSlice {
  kind: 'bundled' | 'url' | 'files';
  /** Which bundled model when kind is 'bundled'. */
  bundled: BundledModelName;
  url: string;
  files: File[];
  status: Status;
  info?: ModelInfo;
  /** Seconds from the Load click to ready (device start if needed, download or read, upload, ONNX session), shown beside the info. */
  loadSeconds?: number;
  /** load-model progress in bytes. */
  progress?: { done: number; total: number };
  /** The Hub download of the current load (latest snapshot: per-file bytes, rate, ETA). */
  download?: DownloadEvent;
  error?: string;
}

export interface DataSlice {
  kind: 'synthetic' | 'files';
  syntheticCount: number;
  syntheticSeed: number;
  files: File[];
  /** The files came back from IndexedDB after a reload (not picked in this visit). */
  restored?: boolean;
  status: Status;
  summary?: DataSummary;
  /** Skipped rows/images from the last load (also when the load was refused). */
  problems: Problem[];
  progress?: { done: number; total: number };
  error?: string;
}

/** Whole history of a run's per-step metrics, x = step. Replaced (not mutated) per batch. */
export interface Series {
  step: number[];
  loss: number[];
  contrastive: number[];
  nextToken: number[];
  lr: number[];
  examplesPerSec: number[];
  peakBytes: number[];
}

export interface TrainSlice {
  form: Record<string, string>;
  modules: string[];
  learnTemperature: boolean;
  /**
   * The adapter the loaded model carries now, if any: trained in this tab (run, last step),
   * resumed from a checkpoint, or imported. null after a model load (fresh LoRA = the base
   * model): "tuned" choices are disabled until one exists, and name it when they are not.
   */
  adapter: AdapterRef | null;
  /** Form keys the user typed in; the others follow the loaded model's recipe. */
  edited: string[];
  /** Said at Start when a setting was adjusted to the data (batch clamped to the split). */
  note?: string;
  /** field → reason (client-side validator or the engine's TrainConfigError). */
  fieldErrors: Record<string, string>;
  state: TrainState;
  runId: string | null;
  lastRunId: string | null;
  resumedFrom: number | null;
  step: number;
  totalSteps: number;
  etaSeconds: number;
  series: Series;
  validation: { step: number; name: string; value: number }[];
  /** train-probes events of the current run: live probe accuracies after each validation. */
  probes: { step: number; swapObj: number; swapAtt: number; replaceRel: number; winoGroup: number; t2i5: number }[];
  /** train-warning events of the current run (loss-rise, loss-stuck); the run goes on. */
  warnings: { step: number; kind: string; message: string }[];
  runs: RunIndex[];
  message?: string;
  error?: { name: string; message: string };
  adapterNote?: string;
}

export interface AdapterRef {
  source: 'trained' | 'resumed' | 'imported';
  runId: string | null;
  step: number;
  /** How the UI names it: "run r-abc, step 12" / "imported: rank 8, modules q v". */
  label: string;
}

export interface StorageSlice {
  status: Status;
  checkpoints?: StorageUsage;
  features?: { count: number; bytes: number };
  /** Downloaded Hub models (OPFS). */
  models?: CachedModel[];
  /** navigator.storage.persisted(): true when the browser will not evict this site's data
   * under storage pressure; null where the API is missing. */
  persisted?: boolean | null;
  error?: string;
  note?: string;
}

export const emptySeries = (): Series => ({ step: [], loss: [], contrastive: [], nextToken: [], lr: [], examplesPerSec: [], peakBytes: [] });
