// What the host needs from the engine Trainer (src/engine/train/trainer/), as a narrow port:
// the session is written against this, and trainer_adapter.ts binds it to the real class.
// Keeping the port here lets the session's tests name exactly what they rely on.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import type { LoraSettings } from '../model/vlm/adapters.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import type { KeyValueStore, TrainingCheckpoint } from '../train/checkpoint/index.ts';

export interface StepReport {
  step: number;
  epoch: number;
  loss: number;
  contrastive: number;
  nextToken: number;
  lr: number;
  gradNorm: number;
  examplesPerSec: number;
  peakBytes: number;
  seconds: number;
  /** Set when the trainer validated at this step (validateEvery). */
  validation?: { name: string; value: number; higherIsBetter: boolean; details: Record<string, number> } | null;
  /** Set when the trainer saved a checkpoint at this step (checkpointEvery / final step). */
  checkpoint?: { step: number; bytes: number } | null;
}

export interface PortExample {
  image: number;
  short: string;
  long: string | null;
}

export interface PortData {
  /** [numImages, tokensPerImage, H] frozen vision features. */
  features: GpuTensor;
  train: PortExample[];
  validation: PortExample[];
}

/** The subset of TrainConfig the host reads (the rest passes through untouched). */
export interface PortConfig {
  steps: number;
  seed: number;
  lora: LoraSettings;
}

export interface TrainerPort {
  readonly runId: string;
  readonly config: PortConfig;
  /** Completed optimizer updates. */
  readonly stepsDone: number;
  readonly done: boolean;
  runStep(): Promise<StepReport>;
  validate(): Promise<{ name: string; value: number; higherIsBetter: boolean; details: Record<string, number> }>;
  checkpoint(): Promise<{ step: number; bytes: number }>;
  exportPeft(meta?: Record<string, unknown>): Promise<Map<string, Uint8Array>>;
  dispose(): void;
}

export interface TrainerFactory {
  validate(c: unknown): { config: PortConfig & Record<string, unknown> } | { errors: { field: string; message: string }[] };
  defaults(): PortConfig & Record<string, unknown>;
  create(ctx: GpuContext, vlm: Vlm, data: PortData, cfg: PortConfig & Record<string, unknown>, o: { runId: string; modelId: string; store?: KeyValueStore }): Promise<TrainerPort>;
  resume(ctx: GpuContext, vlm: Vlm, data: PortData, ckpt: TrainingCheckpoint, o: { store?: KeyValueStore }): Promise<TrainerPort>;
}
