/**
 * The rows of the evidence table (issue #7) and the shapes the page hands back. Pure data.
 *
 * Public API:
 *   ROWS: RowSpec[]        in table order; ROW_IDS
 *   interface RowResult    one row's evaluation (+ training trace for trained rows)
 *   interface EvidenceRun  everything the page returns (per-seed results, adapter, timings, CLIP sweep)
 *   ClipPlan, ClipSweepRun, jobKey(row, seed)
 *   interface RunOptions   what Node asks the page to run
 *   type Progress          events the page streams to Node while it runs
 *
 * Every trained LVLM row uses the same data, order (seed), optimizer-step budget and batch,
 * once per seed. The CLIP row is a fair baseline, not a same-budget one: trained from scratch
 * on every image + caption the LVLM saw (pretraining split ∪ fine-tuning split) for at least
 * the LVLM's pretraining + fine-tuning examples (ClipPlan, budget.ts). VLM rows differ only in what trains (LoRA / soft prompts) and λ of the next-token loss;
 * 'zero-shot' is the base model with the soft prompts at their init (the prompt's own
 * instruction-token embeddings) and no LoRA — E5-V-style prompting.
 */
import type { EvalReport } from '../../src/engine/eval/synthetic_eval.ts';
import type { EvidenceArgs } from './args.ts';
import type { EvidenceSizes } from './plan.ts';

export type RowId = 'zero-shot' | 'vladva' | 'soft-prompt' | 'lora' | 'no-next-token' | 'clip';

export interface RowSpec {
  id: RowId;
  label: string;
  kind: 'vlm' | 'clip';
  /** VLM rows: what trains and λ of the next-token loss; null = no training. */
  train: { lora: boolean; softPrompts: boolean; lambdaNextToken: number } | null;
}

export const ROWS: readonly RowSpec[] = Object.freeze([
  { id: 'zero-shot', label: 'zero-shot prompting (base LVLM)', kind: 'vlm', train: null },
  { id: 'vladva', label: 'VladVA: LoRA + soft prompts, contr. + next-token', kind: 'vlm', train: { lora: true, softPrompts: true, lambdaNextToken: 1 } },
  { id: 'soft-prompt', label: 'soft prompts only, contr. + next-token', kind: 'vlm', train: { lora: false, softPrompts: true, lambdaNextToken: 1 } },
  { id: 'lora', label: 'LoRA only, contr. + next-token', kind: 'vlm', train: { lora: true, softPrompts: false, lambdaNextToken: 1 } },
  { id: 'no-next-token', label: 'LoRA + soft prompts, contrastive only', kind: 'vlm', train: { lora: true, softPrompts: true, lambdaNextToken: 0 } },
  { id: 'clip', label: 'CLIP-style dual encoder from scratch', kind: 'clip', train: null },
] satisfies RowSpec[]);

export const ROW_IDS: readonly RowId[] = ROWS.map((r) => r.id);

/** What the page needs of the command line (the budget fields, as parsed in args.ts), plus the
 * model's URL on the page's origin, the split sizes and the CLIP plan Node worked out (budget.ts). */
export type RunOptions = Pick<EvidenceArgs, (typeof RUN_FIELDS)[number]> & {
  modelUrl: string;
  sizes: EvidenceSizes;
  clip: ClipPlan;
  /** `${row}#${seed}` jobs already measured (--resume-from): not rerun. */
  skip: string[];
  /** A sweep already measured (--resume-from): its choice is reused. */
  sweep: ClipSweepRun[] | null;
};
export const RUN_FIELDS = ['rows', 'steps', 'batch', 'chunk', 'lr', 'warmup', 'maxLongTokens', 'seeds', 'embedChunk', 'clipLrs', 'clipCaptions'] as const;

/** The CLIP row's plan: data pool, budget, sweep length (worked out in Node from the model's pretraining log). */
export interface ClipPlan {
  /** CLIP trains on the first `scenes` benchmark train scenes (the pretraining split ∪ the fine-tuning split). */
  scenes: number;
  batch: number;
  steps: number;
  warmup: number;
  sweepSteps: number;
  sweepWarmup: number;
  /** Caption tokens kept (short captions: the fine-tuning cut; long: pretraining's cut). */
  maxTextTokens: number;
}

export interface ClipSweepRun {
  lr: number;
  steps: number;
  /** Mean of val R@1/5/10 both ways (the selection score), and the details. */
  score: number;
  validation: Record<string, number>;
  finalLoss: number;
  seconds: number;
}

export const jobKey = (row: RowId, seed: number | null) => `${row}#${seed ?? '-'}`;

export interface TrainTrace {
  steps: number;
  loss: number[];
  contrastive: number[];
  nextToken: number[];
  seconds: number;
}

export interface RowResult {
  id: RowId;
  /** The run's seed (data order + init); null for the deterministic zero-shot row. */
  seed: number | null;
  report: EvalReport;
  /** Validation retrieval (R@1/5/10 both ways) on `val` after training; null when untrained or val is empty. */
  validation: Record<string, number> | null;
  train: TrainTrace | null;
  evalSeconds: number;
  /** CLIP rows: the learning rate used. */
  lr?: number;
}

export interface EvidenceRun {
  adapter: { vendor: string; architecture: string; description: string; device: string };
  model: { hidden: number; layers: number; imageTokens: number; imageSize: number; vocab: number };
  featureSeconds: number;
  rows: RowResult[];
  /** The CLIP lr sweep on val (empty: one lr, no sweep) and the lr chosen; null when no CLIP row ran. */
  clipSweep: { runs: ClipSweepRun[]; chosenLr: number } | null;
}

export type Progress =
  | { type: 'phase'; row: RowId | null; seed: number | null; phase: string }
  | { type: 'step'; row: RowId; seed: number | null; job: string; step: number; steps: number; loss: number; seconds: number }
  | { type: 'setup'; run: Omit<EvidenceRun, 'rows' | 'clipSweep'> }
  | { type: 'sweep'; run: ClipSweepRun; chosenLr: number | null }
  | { type: 'row'; row: RowId; seed: number | null; trainSeconds: number; evalSeconds: number; result: RowResult };
