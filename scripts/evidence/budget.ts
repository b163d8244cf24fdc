/**
 * The fair CLIP's compute budget, from the evaluated model's own pretraining log: the CLIP
 * sees at least as many (image, caption) examples as the LVLM saw in pretraining + fine-tuning.
 * Pure (Node tests); evidence.ts reads the files.
 *
 * Public API:
 *   interface PretrainLeg { folder, steps, batch, examples, complete, trainScenes, maxLongTokens }
 *   interface PretrainBudget { legs (oldest first), examples, trainScenes, maxLongTokens, note }
 *   pretrainBudget(folder, readLog: (folder) → string | null, resolve: (initFrom) → folder) → PretrainBudget
 *   clipBudget(pretrainExamples, finetuneExamples, clipBatch, maxExamples) → ClipBudget
 *   planClip(args, pretrain, benchmarkTrainScenes) → { plan: ClipPlan, budget }   data pool, steps, sweep, warmup
 *
 * A pretrain_log.jsonl (scripts/pretrain/pretrain.ts) holds a 'config' line (steps, batch,
 * trainScenes (null = the whole train split), maxLongTokens, initFrom), 'step' lines, 'resume'
 * lines and, once finished, a 'summary' line (steps, batch). Steps done = the summary's steps,
 * else the last step line's (a run still in progress: `complete` false, said in the note).
 * A run started with --init-from continues another folder's weights: that folder's log is
 * read too (recursively), and its examples count — the LVLM saw them all.
 * Unit: one example = one (image, caption) pair through the model; an LVLM pretraining example
 * is a short OR a long caption (pretrainSchedule), a CLIP example likewise one pair.
 */
import type { ClipPlan } from './rows.ts';

export interface PretrainLeg {
  folder: string;
  steps: number;
  batch: number;
  examples: number;
  complete: boolean;
  /** Train scenes the run drew from (null = the whole benchmark train split). */
  trainScenes: number | null;
  maxLongTokens: number | null;
}

export interface PretrainBudget {
  legs: PretrainLeg[];
  examples: number;
  /** Largest scene prefix any leg used (null = whole split; 0 = no pretraining found). */
  trainScenes: number | null;
  maxLongTokens: number | null;
  note: string;
}

type Line = Record<string, unknown> & { type?: string };

function parseLog(text: string, folder: string): Line[] {
  return text.split('\n').filter((l) => l.trim()).map((l, i) => {
    try {
      return JSON.parse(l) as Line;
    } catch {
      throw new Error(`${folder}/pretrain_log.jsonl line ${i + 1} is not JSON`);
    }
  });
}

export function pretrainBudget(folder: string, readLog: (folder: string) => string | null, resolve: (initFrom: string) => string = (x) => x): PretrainBudget {
  const legs: PretrainLeg[] = [];
  const seen = new Set<string>();
  let at: string | null = folder;
  while (at !== null) {
    if (seen.has(at)) throw new Error(`pretrain logs: --init-from cycle through ${at}`);
    seen.add(at);
    const text = readLog(at);
    if (text === null) break;
    const lines = parseLog(text, at);
    const config = lines.find((l) => l.type === 'config');
    if (!config) throw new Error(`${at}/pretrain_log.jsonl has no config line`);
    const summary = [...lines].reverse().find((l) => l.type === 'summary');
    const lastStep = [...lines].reverse().find((l) => l.type === 'step');
    const batch = Number(summary?.batch ?? config.batch);
    const steps = Number(summary?.steps ?? lastStep?.step ?? 0);
    if (!Number.isInteger(batch) || batch < 1 || !Number.isInteger(steps) || steps < 0) throw new Error(`${at}/pretrain_log.jsonl: bad steps ${steps} / batch ${batch}`);
    legs.unshift({
      folder: at, steps, batch, examples: steps * batch, complete: summary !== undefined,
      trainScenes: config.trainScenes == null ? null : Number(config.trainScenes),
      maxLongTokens: config.maxLongTokens == null ? null : Number(config.maxLongTokens),
    });
    at = typeof config.initFrom === 'string' && config.initFrom ? resolve(config.initFrom) : null;
  }
  const examples = legs.reduce((s, l) => s + l.examples, 0);
  const trainScenes = !legs.length ? 0 : legs.some((l) => l.trainScenes === null) ? null : Math.max(...legs.map((l) => l.trainScenes!));
  const last = legs[legs.length - 1];
  const note = !legs.length ? `no pretrain_log.jsonl in ${folder}: no pretraining counted (a random or foreign model)`
    : legs.map((l) => `${l.steps} steps × ${l.batch} = ${l.examples} examples (${l.folder}${l.complete ? '' : ', in progress'})`).join(' + ');
  return { legs, examples, trainScenes, maxLongTokens: last?.maxLongTokens ?? null, note };
}

export interface ClipBudget {
  /** LVLM examples: pretraining + fine-tuning (one VladVA run). */
  lvlmExamples: number;
  pretrainExamples: number;
  finetuneExamples: number;
  /** CLIP: steps × batch ≥ lvlmExamples unless capped. */
  steps: number;
  batch: number;
  examples: number;
  /** True when --clip-max-examples cut the budget below the LVLM's (smoke runs only: not a fair CLIP). */
  capped: boolean;
}

export function clipBudget(pretrainExamples: number, finetuneExamples: number, batch: number, maxExamples: number): ClipBudget {
  const lvlm = pretrainExamples + finetuneExamples;
  let steps = Math.ceil(lvlm / batch);
  const capped = maxExamples > 0 && steps * batch > maxExamples;
  if (capped) steps = Math.max(1, Math.floor(maxExamples / batch));
  return { lvlmExamples: lvlm, pretrainExamples, finetuneExamples, steps, batch, examples: steps * batch, capped };
}

/** The CLIP row's plan from the command line and the model's pretraining (see rows.ts ClipPlan). */
export function planClip(
  a: { steps: number; batch: number; train: number; maxLongTokens: number; clipBatch: number; clipMaxExamples: number; clipSweepFraction: number; clipWarmupFraction: number; clipCaptions: 'short' | 'both' },
  pretrain: PretrainBudget, benchmarkTrainScenes: number,
): { plan: ClipPlan; budget: ClipBudget } {
  const budget = clipBudget(pretrain.examples, a.steps * a.batch, a.clipBatch, a.clipMaxExamples);
  const scenes = Math.min(benchmarkTrainScenes, pretrain.trainScenes === null ? benchmarkTrainScenes : Math.max(pretrain.trainScenes, a.train));
  const sweepSteps = Math.max(1, Math.round(budget.steps * a.clipSweepFraction));
  return {
    budget,
    plan: {
      scenes, batch: a.clipBatch, steps: budget.steps, warmup: Math.round(budget.steps * a.clipWarmupFraction),
      sweepSteps, sweepWarmup: Math.round(sweepSteps * a.clipWarmupFraction),
      maxTextTokens: a.clipCaptions === 'both' ? (pretrain.maxLongTokens ?? a.maxLongTokens) : a.maxLongTokens,
    },
  };
}
