/**
 * The training checkpoint record (everything a reloaded tab needs to resume exactly) and the
 * names its tensors carry inside the serialised blob. CPU arrays only: the caller downloads
 * GPU tensors before saving and uploads after loading.
 *
 * Tensor names (also the keys of `optimizer.moments`):
 *   lora.{l}.{module}.A   [r, in]      lora.{l}.{module}.B   [out, r]     (module: q k v o gate up down)
 *   soft.image            [P_img, H]   soft.text             [P_txt, H]
 *   logTau                [1]
 * Blob-only names: adam.m.<param>, adam.v.<param> (same shape as <param>), metrics.<series> [n].
 */
import type { ValidationMetric } from '../../../protocol/checkpoints.ts';
import type { Adapters } from '../../model/decoder/types.ts';
import type { RngState } from '../rng.ts';
import type { ScheduleConfig } from '../schedule.ts';

export const CHECKPOINT_FORMAT = 'discern-checkpoint';
export const CHECKPOINT_VERSION = 1;

/** Image-side and text-side soft prompts; P = data.length / hidden (the two P may differ). */
export interface SoftPrompts {
  hidden: number; // H
  image: Float32Array; // [P_img, H]
  text: Float32Array; // [P_txt, H]
}

/** AdamW state: first/second moments per trainable tensor name, and the update count. */
export interface OptimizerState {
  /** Completed AdamW updates (the next update uses step + 1 for bias correction). */
  step: number;
  moments: Record<string, { m: Float32Array; v: Float32Array }>;
}

/** Where the data pipeline stands: the order of epoch `epoch` is permutation(size, Rng.fromState(orderState)). */
export interface DataCursor {
  epoch: number;
  /** Next position inside the epoch's order (0 ≤ index ≤ size). */
  index: number;
  /** Number of training examples (the permutation length). */
  size: number;
  /** RNG state at the start of this epoch, before the permutation was drawn. */
  orderState: RngState;
}

/** A validation metric used to choose the `best` checkpoint of a run. */
export type { ValidationMetric } from '../../../protocol/checkpoints.ts';

export interface CheckpointMetrics {
  /** Series so far, e.g. { loss: [...], 'loss/contrastive': [...] } (stored as f32). */
  series: Record<string, Float32Array>;
  validation: ValidationMetric | null;
}

export interface TrainingCheckpoint {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  /** ISO 8601. */
  createdAt: string;
  runId: string;
  /** Optimizer updates completed when the checkpoint was taken. */
  step: number;
  modelId: string;
  /** The training configuration, JSON-serialisable. */
  config: Record<string, unknown>;
  adapters: Adapters<Float32Array>;
  softPrompts: SoftPrompts;
  /** Log of the contrastive temperature (learnable or fixed). */
  logTau: number;
  optimizer: OptimizerState;
  schedule: { step: number; config: ScheduleConfig };
  data: DataCursor;
  /** Named generator states (e.g. { data, init, sampling }). */
  rng: Record<string, RngState>;
  metrics: CheckpointMetrics;
}

export const loraName = (layer: number, module: string, which: 'A' | 'B'): string => `lora.${layer}.${module}.${which}`;
export const SOFT_IMAGE = 'soft.image';
export const SOFT_TEXT = 'soft.text';
export const LOG_TAU = 'logTau';

/**
 * Every trainable tensor of a checkpoint with its shape, in a fixed order. Trap: the logTau entry
 * is a fresh f32 copy (for shapes and moments only); the exact value is `c.logTau` (float64).
 */
export function trainableTensors(c: Pick<TrainingCheckpoint, 'adapters' | 'softPrompts' | 'logTau'>):
  Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  const r = c.adapters.rank, H = c.softPrompts.hidden;
  c.adapters.layers.forEach((layer, l) => {
    for (const m of c.adapters.modules) {
      const pair = layer[m];
      if (!pair) continue; // validated by the serialiser
      out.set(loraName(l, m, 'A'), { shape: [r, pair.A.length / r], data: pair.A });
      out.set(loraName(l, m, 'B'), { shape: [pair.B.length / r, r], data: pair.B });
    }
  });
  out.set(SOFT_IMAGE, { shape: [c.softPrompts.image.length / H, H], data: c.softPrompts.image });
  out.set(SOFT_TEXT, { shape: [c.softPrompts.text.length / H, H], data: c.softPrompts.text });
  out.set(LOG_TAU, { shape: [1], data: Float32Array.of(c.logTau) });
  return out;
}
