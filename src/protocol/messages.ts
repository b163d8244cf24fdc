// The worker protocol: a typed, boring discriminated union (web-llm message.ts style).
// UI → worker: requests with ids. Worker → UI: one result or error reply per request id,
// plus un-correlated events (progress/metrics) batched in time. No runtime code here.
//
// Ordering contract: the host flushes its pending events before posting any reply, so every
// event caused by a request arrives before that request's result (e.g. all train-metrics of
// a run arrive before the reply to `train-stop`). Otherwise events leave at most 4×/s.
// Big arrays travel as ArrayBuffers listed as transferables (export-adapter, embed).

import type { Problem } from '../shared/problem.ts';
import type { RunIndex, StorageUsage } from './checkpoints.ts';
import type { GpuCaps } from './gpu.ts';
import type { CachedModel, DownloadEvent } from './hub.ts';
import type { TrainMetricsEvent, TrainState, TrainStateEvent, TrainWarningEvent, TrainProbesEvent } from './training.ts';
import type { UiWorkApi } from './ui_work.ts';

export type { Problem };
export type * from './checkpoints.ts';
export type * from './gpu.ts';
export type * from './hub.ts';
export type * from './training.ts';
export type * from './ui_work.ts';

/** The models shipped in public/models (served at these paths on the page's origin). */
export const BUNDLED_MODELS = {
  'discern-tiny-v2': { path: '/models/discern-tiny-v2/', label: 'pretrained on the synthetic scenes, 3,270 steps (captions 92 % right; scripts/pretrain)' },
  'discern-tiny': { path: '/models/discern-tiny/', label: 'v1: its first 270 steps of pretraining (captions 45 % right)' },
  'tiny-random': { path: '/models/tiny-random/', label: 'random weights, for plumbing checks' },
} as const;
export type BundledModelName = keyof typeof BUNDLED_MODELS;
export const DEFAULT_BUNDLED_MODEL: BundledModelName = 'discern-tiny-v2';

/** Where the model comes from. 'bundled' = one of BUNDLED_MODELS (default DEFAULT_BUNDLED_MODEL). */
/**
 * `url.name`: how a user would name this model (e.g. the CLI's folder name); it becomes the
 * exported adapter's base_model_name_or_path. Without it a Hugging Face URL gives its repo id
 * and any other URL its last path segment.
 */
export type ModelSource = { kind: 'url'; url: string; name?: string } | { kind: 'files'; files: File[] } | { kind: 'bundled'; name?: BundledModelName };

/** A named blob: files whose relative path cannot live in File.name (Node → page relays). */
export interface NamedBlob {
  path: string;
  data: Blob | ArrayBuffer;
}

/**
 * Training data. 'synthetic': the seeded synthetic scenes (count train scenes; validation is
 * a quarter of that, at least 4). 'files': one dataset file (captions .jsonl/.csv/COCO .json)
 * plus its images, matched by relative path (src/engine/data/resolve.ts).
 */
export type DataSource =
  | { kind: 'synthetic'; count: number; seed: number }
  | { kind: 'files'; files: (File | NamedBlob)[] };

export interface ModelInfo {
  /** Stable id of the model (name + config hash): checkpoints and cached features use it. */
  modelId: string;
  /** How a user names it: the Hub repo id, the bundled name or the folder name (baseModelName). */
  name: string;
  hidden: number;
  layers: number;
  tokensPerImage: number;
  /**
   * The recommended fine-tuning settings (engine train/trainer/recipe.ts): the folder's
   * discern.json, else defaults scaled to the model's size. `config` is a subset of the
   * train-start config; the Train form starts from it.
   */
  recipe: { config: Record<string, unknown>; source: 'discern.json' | 'model size'; why: string };
}

export interface DataSummary {
  kind: 'synthetic' | 'files';
  /** Dataset file used (files) or 'synthetic(seed=…)'. */
  file: string;
  images: number;
  train: number;
  validation: number;
  /** Vision features found in the feature cache vs computed by the vision encoder. */
  cacheHits: number;
  cacheMisses: number;
  /** Rows or images that were skipped, each naming file + line/path + reason. */
  problems: Problem[];
  /** Loaded as is, but worth knowing (a non-UTF-8 file read as Windows-1252), file + line + reason. */
  warnings: Problem[];
}

/** GPU memory held through the engine's buffer pool (weights, activations, optimizer state). */
export interface GpuMemory {
  /** Bytes in acquired (live) buffers, and the peak since the last reset. */
  liveBytes: number;
  peakLiveBytes: number;
  /** Bytes in released buffers kept for reuse (still allocated on the device). */
  freeBytes: number;
  liveBuffers: number;
  /** device.createBuffer calls by the pool since the device was created. */
  created: number;
}

export interface CheckpointRef {
  runId: string;
  step: number;
  bytes: number;
}

/** Every request type with its arguments and its result (UiWorkApi: non-GPU work for the screens). */
export interface Api extends UiWorkApi {
  'device-info': { args: Record<string, never>; result: { caps: GpuCaps; summary: string } };
  /** The GPU buffer pool's accounting (bytes); resetPeak starts a new peak window after reading. */
  'gpu-memory': { args: { resetPeak?: boolean }; result: GpuMemory };
  /**
   * config.json of a model base URL before loading it (the Model screen's memory estimate):
   * from the Hub download cache when that model is stored there (no request: a cached model
   * stays offline-capable), else fetched. null when unreachable or not JSON.
   */
  'model-config': { args: { url: string }; result: { config: unknown } };
  'self-check': { args: Record<string, never>; result: { checks: { name: string; maxAbsErr: number; ok: boolean }[] } };
  /**
   * A Hub-layout URL (…/<owner>/<repo>/resolve/<rev>/) is downloaded into the persistent
   * cache first (download events; the quota is checked before the first byte), then loaded
   * from it; a model already cached loads with no request at all.
   */
  'load-model': { args: { source: ModelSource }; result: ModelInfo };
  /** Cancels the running load-model's download (its reply is then DownloadCancelledError;
   * the partial file stays, marked partial, and the next load resumes it). */
  'load-cancel': { args: Record<string, never>; result: { cancelled: boolean } };
  /** Replaces the adapters/soft prompts of the loaded model by a PEFT export (files by name). */
  'load-adapter': { args: { files: NamedBlob[] }; result: { rank: number; modules: string[]; softPrompts: boolean } };
  'load-data': { args: DataSource; result: DataSummary };
  /**
   * Starts (or, for an existing runId with checkpoints, resumes) a run and returns at once;
   * progress arrives as train-metrics / train-state events. Invalid config → error reply
   * named TrainConfigError with `fields`. `config` is merged over the defaults; on resume it
   * is ignored (the run continues with the config stored in its checkpoint).
   */
  'train-start': { args: { config?: Record<string, unknown>; runId?: string }; result: { runId: string; resumedFrom: number | null; config: Record<string, unknown> } };
  /** Finishes the current step, checkpoints, and reports the state. */
  'train-pause': { args: Record<string, never>; result: { state: TrainState; step: number; checkpoint: CheckpointRef | null } };
  'train-resume': { args: Record<string, never>; result: { state: TrainState; step: number } };
  'train-stop': { args: Record<string, never>; result: { state: TrainState; step: number; checkpoint: CheckpointRef | null } };
  'list-checkpoints': { args: { runId?: string }; result: { runs: RunIndex[]; usage: StorageUsage } };
  /** PEFT files of the current run (adapter_config.json, adapter_model.safetensors, soft_prompts.safetensors). */
  'export-adapter': { args: Record<string, never>; result: { files: { name: string; bytes: ArrayBuffer }[] } };
  /**
   * Embeds texts and/or images with the loaded model (and its current adapters).
   * Result: row-major Float32 [n, dim] buffers, L2-normalised. Images that fail to decode
   * are listed in `problems` and left out (imageNames says which rows are which).
   */
  /**
   * Test hook: destroys the engine's GPU device as a real loss would (GpuDeviceLostError as a
   * 'fatal' event and the run's train-state 'error'). Refused unless the engine was started with
   * its debug option. The next request builds a new device and reloads the model on it.
   */
  'debug-lose-device': { args: Record<string, never>; result: { lost: true } };
  /** What this origin stores: checkpoints per run (+ storage estimate), the feature cache and
   * the downloaded models (empty where the platform has no OPFS). */
  'storage-usage': { args: Record<string, never>; result: { checkpoints: StorageUsage; features: { count: number; bytes: number }; models: CachedModel[] } };
  /** Deletes one kind: a run's checkpoints (all runs without runId), the whole feature cache,
   * or one downloaded model (all without key). */
  'storage-clear': { args: { kind: 'checkpoints'; runId?: string } | { kind: 'features' } | { kind: 'models'; key?: string }; result: { removed: number; bytes: number } };
  'embed': {
    /** base: bypass LoRA adapters and soft prompts (the base model), to compare with the tuned one. */
    args: { texts?: string[]; images?: NamedBlob[]; base?: boolean };
    result: { dim: number; texts: ArrayBuffer | null; images: ArrayBuffer | null; imageNames: string[]; problems: Problem[]; cacheHits: number };
  };
  /**
   * The summary token's attention over the image tokens, LAST decoder layer, mean over heads,
   * restricted to the image-token positions and renormalised (src/engine/host/attention.ts).
   * weights: Float32 [tokensPerImage], row-major over the grid×grid pixel-shuffled tokens;
   * imageMass: Float32 [heads], the share of each head's attention that fell on the image.
   */
  'attention-map': {
    args: { image: NamedBlob; base?: boolean };
    result: { weights: ArrayBuffer; imageMass: ArrayBuffer; grid: number; layer: number; tokensPerImage: number };
  };
}

export type RequestType = keyof Api;
export type Request = { [K in RequestType]: { id: number; type: K; args: Api[K]['args'] } }[RequestType];
export type ResultOf<K extends RequestType> = Api[K]['result'];

/** Errors cross the boundary as their class name + message (see src/engine/gpu/errors.ts). */
export interface WireError {
  name: string;
  message: string;
  /** TrainConfigError: one entry per refused setting. */
  fields?: { field: string; message: string }[];
  /** Data errors: the problems that made the input unusable (file + line + reason). */
  problems?: Problem[];
}

export type Reply =
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'error'; error: WireError };

export type EngineEvent =
  | { type: 'progress'; task: 'load-model' | 'vision-features' | 'decode-images' | string; done: number; total: number; unit: 'bytes' | 'items' | 'steps' }
  | TrainMetricsEvent
  | TrainStateEvent
  | TrainWarningEvent
  | TrainProbesEvent
  | DownloadEvent
  | { type: 'train-validation'; runId: string; step: number; name: string; value: number; details: Record<string, number> }
  | { type: 'checkpoint-saved'; runId: string; step: number; bytes: number }
  | { type: 'fatal'; error: WireError };

export type WorkerMessage = Reply | { type: 'events'; events: EngineEvent[] };
