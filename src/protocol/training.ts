// Training events of the worker protocol (types only).

export type TrainState = 'idle' | 'running' | 'paused' | 'stopped' | 'error';

/** One optimisation step. Every step is reported (batching groups them, never drops them). */
export interface TrainMetricsEvent {
  type: 'train-metrics';
  runId: string;
  /** Completed optimizer updates (1-based after the first step). */
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  contrastive: number;
  nextToken: number;
  lr: number;
  gradNorm: number;
  examplesPerSec: number;
  /** Seconds left at the recent pace (mean of the last steps). */
  etaSeconds: number;
  /** Peak bytes held by the GPU buffer pool during the step. */
  peakBytes: number;
  /** Wall time of the step. */
  seconds: number;
}

export interface TrainStateEvent {
  type: 'train-state';
  state: TrainState;
  runId: string | null;
  step: number;
  /** 'stopped': why (completed / user); 'error': the error's message. */
  message?: string;
  /** 'error': the error class (NonFiniteLossError, StorageQuotaError, GpuDeviceLostError, …). */
  errorName?: string;
}

/** The loss looks wrong though finite (engine train/trainer/watch.ts); the run goes on. */
export interface TrainWarningEvent {
  type: 'train-warning';
  runId: string;
  step: number;
  /** 'loss-rise': over 1.5× the calm median for 2 steps; 'loss-stuck': unchanged after an update. */
  kind: 'loss-rise' | 'loss-stuck';
  message: string;
}

/**
 * Live probes (engine host/live_probes.ts): after each validation of a run, the tuned model's
 * accuracies on LIVE_PROBE_SCENES synthetic test scenes, in 0…1 (NaN when a category has no
 * items). For watching only: the best checkpoint is chosen on validation, never on these.
 */
export interface TrainProbesEvent {
  type: 'train-probes';
  runId: string;
  step: number;
  swapObj: number;
  swapAtt: number;
  replaceRel: number;
  winoGroup: number;
  /** text → image R@5 over the same scenes. */
  t2i5: number;
}

export const LIVE_PROBE_SCENES = 16;
