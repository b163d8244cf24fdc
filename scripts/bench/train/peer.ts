// What each implementation of the LoRA training step provides (suite "train-step").
import type { GpuCounts } from '../../../src/engine/gpu/counters.ts';
import type { ProbeRow } from '../../../src/engine/kernels/matmul/path_cache.ts';
import type { NormProbeRow } from '../../../src/engine/kernels/norm/path_cache.ts';
import type { ImplName } from '../types.ts';

export interface TrainPeer {
  readonly name: ImplName;
  readonly adapter: string;
  /** Enqueue one full step: forward, backward (LoRA grads only), AdamW on every LoRA tensor. */
  step(): void;
  /** Resolves when everything enqueued has executed. */
  sync(): Promise<void>;
  /** CE loss of the latest step (before its update). */
  readLoss(): Promise<number>;
  /** LoRA params after the latest update, keyed "L0.q.A" … (loraNames order). */
  readParams(): Promise<Map<string, Float32Array>>;
  destroy(): void;
}

/** Ours also reports its pool's memory. */
export interface OursTrainPeer extends TrainPeer {
  /** Peak live bytes during the steps, above residentBytes(). */
  peakBytes(): number;
  /** Bytes live before the first step: weights, LoRA params, grads, AdamW m/v. */
  residentBytes(): number;
  /** One step with a sync after forward, backward and the 28 AdamW updates: where the time goes. */
  phases(): Promise<{ forwardMs: number; backwardMs: number; adamwMs: number }>;
  /** One more step (`step(); await sync()`) and what it asked of the GPU API (ctx.counters). */
  countStep(): Promise<GpuCounts>;
  /** Times direct vs tiled matmul for every GEMM shape the steps so far used and keeps the
   * faster per shape for this adapter (kernels/matmul/choice.ts). */
  tuneKernels(): Promise<ProbeRow[]>;
  /** Times the 'rows' vs 'workgroup' norm kernels for every norm shape the steps so far used
   * and keeps the faster per shape for this adapter (kernels/norm/choice.ts). */
  tuneNorms(): Promise<NormProbeRow[]>;
}
