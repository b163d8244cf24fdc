// Shared shapes of the kernel benchmark: what the page computes and what the Node runner
// prints and writes to bench-results/kernels.json. Pure types, no runtime code, so both the
// browser page (bench-page.ts) and Node (run.ts, stats.ts) import this file.

/** The three implementations compared on the same adapter, each on its own GPUDevice. */
import type { CountsResult } from './counts/result.ts';
import type { EmbedResult } from './embed/result.ts';
import type { ProfileResult } from './profile/result.ts';
import type { TrainStepResult } from './train/result.ts';

export type ImplName = 'ours' | 'jax-js' | 'tfjs';
export const IMPLS: readonly ImplName[] = ['ours', 'jax-js', 'tfjs'];
/** Suite "embed": ours vs onnxruntime-web running the same decoder as ONNX, on two EPs. */
export type EmbedImplName = 'ours' | 'ort-webgpu' | 'ort-wasm';
export const EMBED_IMPLS: readonly EmbedImplName[] = ['ours', 'ort-webgpu', 'ort-wasm'];
export type PeerName = ImplName | EmbedImplName;

/** One benchmark case: a linear layer y = x·Wᵀ (kind 'matmul') or the fused LoRA linear
 * y = x·Wᵀ + scale·(x·Aᵀ)·Bᵀ (kind 'lora'). x [n,inF], W [outF,inF], A [rank,inF],
 * B [outF,rank] — Hugging Face / PEFT layouts. */
export interface CaseSpec {
  id: string; // e.g. "matmul q,o N=256"
  kind: 'matmul' | 'lora';
  layer: string; // which decoder projections share this shape, e.g. "gate,up"
  n: number; // tokens (rows)
  inF: number;
  outF: number;
  rank: number; // 0 for plain matmul
  scale: number; // alpha/r for LoRA; 1 for plain matmul (unused)
}

export interface ImplTiming {
  impl: ImplName;
  /** Wall time of one (enqueue op + full GPU sync), one entry per timed repeat. */
  samplesMs: number[];
  medianMs: number;
  gflops: number; // flops / medianMs
  /** Median time of a sync with nothing enqueued: the fixed cost inside every sample. */
  idleSyncMs: number;
  /** max |y_impl − y_ours| over the whole output (null for ours itself). */
  maxAbsDiffVsOurs: number | null;
  /** max |y_impl − y_ref| on a few sampled rows against a float64 CPU reference. */
  maxAbsDiffVsRef: number;
}

export interface RowResult {
  spec: CaseSpec;
  flops: number;
  /** max |y_ref| on the sampled rows, to read the abs diffs against. */
  refMaxAbs: number;
  impls: Partial<Record<ImplName, ImplTiming>>;
}

export interface SuiteResult {
  suite: 'kernels';
  quick: boolean;
  userAgent: string;
  /** Adapter description as each implementation's device reports it. */
  adapters: Record<ImplName, string>;
  startedAt: string;
  durationMs: number;
  rows: RowResult[];
  /** Added by the runner (Node): CPU count and 1-min load average around the run. */
  host?: { cpus: number; loadavg1Before: number; loadavg1After: number };
}

export interface BenchOptions {
  quick: boolean;
  /** Subset of IMPLS / EMBED_IMPLS to run (default all). Without 'ours', no "vs ours" diffs or ratios. */
  peers?: PeerName[];
  /** Only cases whose id contains this substring, e.g. "lora gate,up N=512". */
  filter?: string;
}

/** What bench-page.ts installs on `window` for the runner to call through page.evaluate. */
export interface BenchApi {
  run(suite: string, opts: BenchOptions): Promise<SuiteResult | TrainStepResult | EmbedResult | ProfileResult | CountsResult>;
}

declare global {
  interface Window {
    __discernBench?: BenchApi;
  }
}
