/**
 * docs/EVIDENCE.md and docs/evidence.json from one run (every seed). Pure (Node tests).
 *
 * Public API:
 *   interface RunMeta { command, date, wallSeconds, args, partial?, clip? (the CLIP budget Node worked out) }
 *   evidenceJson(run, meta) → object       (JSON-safe: NaN → null)
 *   evidenceMarkdown(run, meta) → string
 *   readResume(json, args) → { rows, sweep }   --resume-from: earlier results of the same budget (RESUME_KEYS)
 *   documentsFromJson(json) → { run, meta }     an evidence.json back into what evidenceMarkdown takes (render.ts)
 */
import { commandLine, type EvidenceArgs } from './args.ts';
import type { ClipBudget, PretrainBudget } from './budget.ts';
import { ROWS, type ClipPlan, type ClipSweepRun, type EvidenceRun } from './rows.ts';
import { aggregate, checkClaims, COLUMNS, flatten, markdownTable } from './table.ts';
import { DEFAULT_TRAIN_CONFIG } from '../../src/engine/train/trainer/config.ts';
import { CLIP_DEFAULTS } from '../../src/engine/train/clip/options.ts';

/** The hand-written analysis the generated EVIDENCE.md links to when --out-dir holds it (kept across reruns). */
export const NOTES_FILE = 'EVIDENCE-NOTES.md';

export interface RunMeta {
  command: string;
  date: string;
  wallSeconds: number;
  args: EvidenceArgs;
  /** Written after a row while later rows are still running (or after the run failed). */
  partial?: boolean;
  /** The CLIP row's plan and budget (absent when no CLIP row ran). */
  clip?: { plan: ClipPlan; budget: ClipBudget; pretrain: PretrainBudget };
  /** How the model's own recipe (its discern.json `why`) chose the LVLM lr, when the run uses that lr. */
  lrWhy?: string;
  /** A hand-written analysis beside the documents (NOTES_FILE in --out-dir), linked when present. */
  notes?: string;
}

const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
const head = (xs: number[]) => mean(xs.slice(0, Math.min(5, xs.length)));
const tail = (xs: number[]) => mean(xs.slice(-Math.min(5, xs.length)));
export const mmss = (sec: number) => {
  const r = Math.round(sec);
  return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s`;
};
const finiteOrNull = (_k: string, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

export function evidenceJson(run: EvidenceRun, meta: RunMeta): unknown {
  return JSON.parse(JSON.stringify({
    command: meta.command, date: meta.date, wallSeconds: meta.wallSeconds, partial: meta.partial ?? false, adapter: run.adapter, model: run.model,
    budget: meta.args, featureSeconds: run.featureSeconds,
    columns: COLUMNS.map((c) => c.key),
    // every (row, seed) run with every number
    runs: run.rows.map((r) => ({
      id: r.id, seed: r.seed, label: ROWS.find((x) => x.id === r.id)!.label, ...(r.lr !== undefined ? { lr: r.lr } : {}),
      metrics: flatten(r.report), report: r.report, validation: r.validation, evalSeconds: r.evalSeconds,
      train: r.train && { steps: r.train.steps, seconds: r.train.seconds, loss: r.train.loss, contrastive: r.train.contrastive, nextToken: r.train.nextToken },
    })),
    // per row: mean and sample sd over seeds (fractions), n
    rows: aggregate(run.rows).map((a) => ({
      id: a.id, label: ROWS.find((x) => x.id === a.id)!.label, seeds: a.seeds, n: a.seeds.length,
      mean: Object.fromEntries(COLUMNS.map((c) => [c.key, a.stats[c.key].mean])),
      sd: Object.fromEntries(COLUMNS.map((c) => [c.key, a.stats[c.key].sd])),
    })),
    clip: meta.clip ? { ...meta.clip, captions: meta.args.clipCaptions, lrs: meta.args.clipLrs, sweep: run.clipSweep?.runs ?? [], chosenLr: run.clipSweep?.chosenLr ?? null } : null,
    claims: checkClaims(run.rows),
  }, finiteOrNull));
}

const int = (n: number) => n.toLocaleString('en-US');

function clipSection(run: EvidenceRun, meta: RunMeta): string {
  const c = meta.clip;
  if (!c) return '';
  const { plan, budget: b, pretrain: p } = c;
  const a = meta.args;
  const sweep = run.clipSweep;
  const sweepText = !sweep ? 'not run (no CLIP row measured yet).'
    : !sweep.runs.length ? `one learning rate given (${sweep.chosenLr}), no sweep.`
      : `${sweep.runs.length} learning rates, ${sweep.runs[0].steps} steps each (${(a.clipSweepFraction * 100).toFixed(0)} % of the budget, cosine over that length), seed ${a.seeds[0]}, scored by mean val R@1/5/10 both ways on the ${a.val} \`val\` scenes:
  ${sweep.runs.map((r) => `lr ${r.lr}: val score ${(100 * r.score).toFixed(1)} % (R@1 T→I ${(100 * r.validation['t2i/R@1']).toFixed(1)} %, I→T ${(100 * r.validation['i2t/R@1']).toFixed(1)} %; final loss ${r.finalLoss.toFixed(3)}, ${mmss(r.seconds)})`).join('; ')}
  ${Number.isFinite(sweep.chosenLr) ? `→ **lr ${sweep.chosenLr}** trains every seed` : '(sweep still running)'}. No test or Winoground number was looked at.`;
  return `* **Fair CLIP** (\`src/engine/train/clip/\`): SigLIP-layout image tower + causal text tower of the model's dims, random init
  (per seed), symmetric InfoNCE with learnable temperature (init ${CLIP_DEFAULTS.temperature}), AdamW, warmup ${(a.clipWarmupFraction * 100).toFixed(0)} %, cosine to 0.
  **Data**: every image the LVLM saw — the first ${int(plan.scenes)} benchmark \`train\` scenes (the pretraining split${p.legs.length ? '' : ': none here'} ∪ the
  fine-tuning split of ${a.train}) — with ${a.clipCaptions === 'short'
    ? `their **short captions** (cut to ${plan.maxTextTokens} tokens). Why short only: the paper finds long captions used contrastively hurt
  (DESIGN §1: "that collapses"), and every test text is a short caption; \`--clip-captions both\` runs the alternative
  (pretraining's own schedule, short and long captions as separate positives)`
    : `**short and long captions as separate positives** in pretraining's own schedule (each scene once with each per epoch,
  long ones cut to ${plan.maxTextTokens} tokens): exactly the (image, caption) pairs the LVLM was pretrained on`}.
  **Budget** in examples seen (one example = one image–caption pair through the model):

  | | examples |
  |---|---:|
  | LVLM pretraining (\`pretrain_log.jsonl\`: ${p.note}) | ${int(b.pretrainExamples)} |
  | LVLM fine-tuning (one VladVA run: ${a.steps} × ${a.batch}) | ${int(b.finetuneExamples)} |
  | **LVLM total** | **${int(b.lvlmExamples)}** |
  | **CLIP** (${int(b.steps)} steps × ${b.batch}, per seed) | **${int(b.examples)}**${b.capped ? ' — capped by --clip-max-examples: NOT a fair CLIP' : ''} |

  **Learning rate** chosen on \`val\` only: ${sweepText}
`;
}

export function evidenceMarkdown(run: EvidenceRun, meta: RunMeta): string {
  const a = meta.args;
  const adapter = [run.adapter.vendor, run.adapter.architecture, run.adapter.device, run.adapter.description].filter(Boolean).join(' / ') || '(not reported)';
  const first = run.rows[0]?.report;
  const probeN = first ? Object.entries(first.sugarcrepe.perCategory).map(([c, s]) => `${c} ${s!.total}`).join(', ') : '';
  const claims = checkClaims(run.rows);
  const lora = DEFAULT_TRAIN_CONFIG.lora;
  const trainLines = run.rows.filter((r) => r.train).map((r) => {
    const t = r.train!;
    const v = r.validation ? `val R@1 T→I ${(100 * r.validation['t2i/R@1']).toFixed(1)} %, I→T ${(100 * r.validation['i2t/R@1']).toFixed(1)} %` : 'no validation';
    return `| ${r.id} | ${r.seed} | ${t.steps} | ${head(t.loss).toFixed(3)} → ${tail(t.loss).toFixed(3)} | ${head(t.contrastive).toFixed(3)} → ${tail(t.contrastive).toFixed(3)} | ${mmss(t.seconds)} | ${v} |`;
  });
  const jobs = a.rows.filter((r) => r !== 'zero-shot').length * a.seeds.length + (a.rows.includes('zero-shot') ? 1 : 0);
  const partial = meta.partial ? `\n> **Partial**: written after ${run.rows.length} of ${jobs} (row, seed) runs; the run had not finished.\n` : '';
  return `# Evidence: does VladVA work at this scale?
${partial}
Issues #7 and #12. Every number below was produced by one command, from a fresh clone, offline:

    ${a.resumeFrom ? commandLine({ ...a, resumeFrom: '' }) : meta.command}
${a.resumeFrom ? `
It ran in sittings: each later one continued the file with \`--resume-from\`, which keeps the (row, seed) results and
the CLIP sweep already there and runs the rest with the same settings. The last sitting was \`${meta.command}\`;
its wall time is below (per-row train and eval times are in the tables and \`evidence.json\`).
` : ''}
Run on ${meta.date}; wall time **${mmss(meta.wallSeconds)}**${a.resumeFrom ? ' (last sitting)' : ''} on a 2-core machine without a GPU
(WebGPU adapter: ${adapter}) — headless Chromium, our own WGSL kernels.

## Setup

* **Model**: \`${a.model}\` — SmolVLM/Idefics3 layout, decoder hidden ${run.model.hidden}, ${run.model.layers} layers,
  vocabulary ${run.model.vocab}, ${run.model.imageSize}×${run.model.imageSize} images → ${run.model.imageTokens} image tokens.
  Its vision tower is frozen: features are computed once (${run.featureSeconds.toFixed(1)} s) and shared by the LVLM rows.
* **Data**: the frozen synthetic benchmark (\`src/engine/data/synthetic/benchmark.ts\`, seed 2026). Fine-tuning on the first
  ${a.train} \`train\` scenes (image + short caption for the contrastive loss, long caption cut to ${a.maxLongTokens} tokens for the
  next-token loss), validation on ${a.val} \`val\` scenes, evaluation **only** on held-out data: retrieval over ${a.test} \`test\`
  images × ${a.test} short captions, the SugarCrepe-style hard negatives of those scenes (items: ${probeN}), and ${a.wino}
  Winoground-style pairs of the \`winoground\` split.
* **Seeds**: ${a.seeds.join(', ')} — every trained row runs once per seed (the seed sets the data order and the init of the
  LoRA adapters / the CLIP); zero-shot runs once (deterministic). Cells are **mean ± sample standard deviation over seeds**
  (n = seeds); every per-seed number is in \`evidence.json\` (\`runs\`).
* **LVLM budget** (same data, order, steps and batch for every LVLM row of a seed): ${a.steps} optimizer steps × batch ${a.batch}
  (${a.steps * a.batch} examples, ${((a.steps * a.batch) / a.train).toFixed(2)} epochs), warmup ${a.warmup}, cosine to 0.
  AdamW lr ${a.lr}, LoRA rank ${lora.rank} / alpha ${lora.alpha} on ${lora.modules.join(' ')} (when trained), soft prompts
  (when trained) initialised from the prompt's instruction-token embeddings, fixed temperature ${DEFAULT_TRAIN_CONFIG.temperature},
  λ contrastive 1, λ next-token 1 (0 in the contrastive-only row), gradient clip ${DEFAULT_TRAIN_CONFIG.maxGradNorm},
  gradient-cache chunk ${Math.min(a.chunk, a.batch)}.
${meta.lrWhy ? `* **LVLM learning rate** ${a.lr} is the model's own recipe (\`discern.json\`): ${meta.lrWhy}.
` : ''}${clipSection(run, meta)}* **Zero-shot**: E5-V-style prompting of the base model — exactly what \`Vlm\` does before training (soft prompts equal to the
  prompt's token embeddings, no LoRA).

## Results (held-out, %, mean ± sd over seeds)

T→I@K / I→T@K: retrieval recall@K text→image and image→text. SugarCrepe columns: accuracy of picking the true caption over
the hard negative (chance 50 %). W-text / W-image / W-group: Winoground-style scores (chance 25 / 25 / 16.7 %).

${markdownTable(run.rows)}

Training (mean of the first → last 5 steps) and validation retrieval after training, per seed:

| row | seed | steps | loss | contrastive | train time | validation |
|---|---:|---:|---|---|---|---|
${trainLines.join('\n')}

## The paper's three claims at this scale

${claims.map((c) => `**${c.claim}** — *${c.verdict}*. ${c.text}`).join('\n\n')}

The verdicts are computed from the per-seed numbers by \`scripts/evidence/table.ts\` (rules in its header): (a) supported when
the mean retrieval gain is ≥ 5 points, ≥ 2× the zero-shot recall and more than twice the seed sd of the gain; (b) paired by
seed, supported when mean − sd of the paired differences > 0 (a paired one-sided t-test is printed beside it); (c) per swap
category, supported when the paired difference's mean − sd ≥ 10 points and VladVA's mean − sd > 75 %. Fewer than two seeds
give no spread: inconclusive. This is a tiny model (${run.model.hidden}-wide decoder) on synthetic scenes, so it tests whether the
method's mechanics work at this scale, not the paper's numbers.

Raw numbers (every metric per seed, loss curves, item counts, the CLIP sweep): [\`evidence.json\`](evidence.json).
${meta.notes ? `\nWhat the numbers mean, and why a claim fails — written by hand, not by this command: [\`${meta.notes}\`](${meta.notes}).\n` : ''}`;
}

/** Arguments that decide a (row, seed) result: a resumed run must match them. */
export const RESUME_KEYS = ['model', 'steps', 'batch', 'chunk', 'lr', 'warmup', 'maxLongTokens', 'train', 'val', 'test', 'wino',
  'clipLrs', 'clipBatch', 'clipMaxExamples', 'clipSweepFraction', 'clipCaptions', 'clipWarmupFraction'] as const;

/**
 * --resume-from: the (row, seed) results and the (complete) CLIP sweep of an earlier evidence.json whose
 * budget (RESUME_KEYS) equals this run's; throws naming the first difference. Runs of rows or
 * seeds this run does not ask for are dropped. JSON nulls (NaN) come back as NaN.
 */
export function readResume(json: unknown, a: EvidenceArgs): { rows: EvidenceRun['rows']; sweep: ClipSweepRun[] | null } {
  const j = json as { budget?: Record<string, unknown>; runs?: unknown[]; clip?: { sweep?: ClipSweepRun[] } | null };
  if (!j?.budget || !Array.isArray(j.runs)) throw new Error('--resume-from: not an evidence.json of this version (no budget / runs)');
  for (const k of RESUME_KEYS) {
    if (JSON.stringify(j.budget[k]) !== JSON.stringify(a[k])) throw new Error(`--resume-from: its ${k} was ${JSON.stringify(j.budget[k])}, this run's is ${JSON.stringify(a[k])}; the results would not be comparable`);
  }
  const rows = runsOf(j.runs)
    .filter((r) => a.rows.includes(r.id) && (r.id === 'zero-shot' ? r.seed === null : a.seeds.includes(r.seed as number)));
  // a sweep is reused only when complete (every lr of this run's --clip-lrs measured); else it runs again
  const sweep = j.clip?.sweep?.length && JSON.stringify(j.clip.sweep.map((r) => r.lr)) === JSON.stringify(a.clipLrs) ? j.clip.sweep : null;
  return { rows, sweep };
}

/** The `runs` of an evidence.json as RowResults: only the report's numbers were NaN (→ null in JSON); validation / train are null when absent. */
function runsOf(runs: unknown[]): EvidenceRun['rows'] {
  const nan = (_k: string, v: unknown) => (v === null ? NaN : v);
  return (runs as (EvidenceRun['rows'][number] & { metrics?: unknown; label?: unknown })[])
    .map(({ metrics: _m, label: _l, ...r }) => ({ ...r, report: JSON.parse(JSON.stringify(r.report), nan) }));
}

/**
 * An evidence.json (evidenceJson) back into the run and meta it was written from, so EVIDENCE.md can be
 * rendered again by the current doc code without rerunning anything (render.ts). Every (row, seed) of the
 * file comes back (NaN restored), the sweep as recorded; lrWhy / notes are not in the file: the caller adds them.
 */
export function documentsFromJson(json: unknown): { run: EvidenceRun; meta: RunMeta } {
  const j = json as {
    command?: string; date?: string; wallSeconds?: number; partial?: boolean; budget?: EvidenceArgs; runs?: unknown[];
    adapter?: EvidenceRun['adapter']; model?: EvidenceRun['model']; featureSeconds?: number;
    clip?: (NonNullable<RunMeta['clip']> & { sweep: ClipSweepRun[]; chosenLr: number | null }) | null;
  };
  if (!j?.budget || !Array.isArray(j.runs) || !j.adapter || !j.model || typeof j.command !== 'string') {
    throw new Error('not an evidence.json of this version (no command / budget / runs / adapter / model)');
  }
  const args = j.budget;
  const rows = runsOf(j.runs);
  const sweep = j.clip?.sweep?.length ? { runs: j.clip.sweep, chosenLr: j.clip.chosenLr ?? NaN } : null;
  return {
    run: { adapter: j.adapter, model: j.model, featureSeconds: j.featureSeconds ?? NaN, rows, clipSweep: sweep },
    meta: {
      command: j.command, date: j.date ?? '', wallSeconds: j.wallSeconds ?? NaN, args, partial: j.partial ?? false,
      clip: j.clip ? { plan: j.clip.plan, budget: j.clip.budget, pretrain: j.clip.pretrain } : undefined,
    },
  };
}
