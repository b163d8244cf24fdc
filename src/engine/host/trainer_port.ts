// What the host needs from the engine Trainer (src/engine/train/trainer/), as a narrow port:
// the session is written against this, and trainer_adapter.ts binds it to the real class.
// Keeping the port here lets the session's tests name exactly what they rely on.
import type { GpuContext } from '../gpu/context.ts';
import type { LoraSettings } from '../model/vlm/adapters.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import type { KeyValueStore, TrainingCheckpoint } from '../train/checkpoint/index.ts';

// The engine's own record types (type-only: the port stays a seam that tests can fake).
export type { StepReport, TrainExample as PortExample, TrainData as PortData } from '../train/trainer/index.ts';
import type { StepReport, TrainData as PortData } from '../train/trainer/index.ts';

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
