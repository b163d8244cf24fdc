// `npm run evidence -- [options]` (args.ts): does VladVA work at this scale? (issues #7, #12)
//  1. reads the model's pretrain_log.jsonl (and those of the folders it was --init-from) for the
//     fair CLIP's budget (budget.ts), and --resume-from's earlier results when given;
//  2. opens evidence.html in headless Chromium (scripts/headless-page.ts: Vite, public/ at /, no HMR);
//  3. the page (evidence-page.ts → runner.ts) runs zero-shot, the CLIP lr sweep on val, then every
//     trained row once per seed on our WebGPU engine, streaming progress, printed here with an ETA;
//  4. after every (row, seed) run, writes partial EVIDENCE.md + evidence.json to --out-dir (a run
//     that dies keeps what it measured; --resume-from that evidence.json continues it);
//  5. prints the table (mean ± sd over seeds), the claims' verdicts (table.ts), and writes the documents (doc.ts).
// Exit codes: 0 ok; 1 the run failed; 2 bad command line.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SYNTHETIC_BENCHMARK } from '../../src/engine/data/synthetic/benchmark.ts';
import { openHeadlessPage, REPO_ROOT as ROOT } from '../headless-page.ts';
import { commandLine, parseEvidenceArgs, USAGE, type EvidenceArgs } from './args.ts';
import { planClip, pretrainBudget } from './budget.ts';
import { evidenceJson, evidenceMarkdown, mmss, NOTES_FILE, readResume, type RunMeta } from './doc.ts';
import { recipeLrWhy } from './recipe-why.ts';
import { jobKey, RUN_FIELDS, type ClipPlan, type ClipSweepRun, type EvidenceRun, type Progress, type RowResult, type RunOptions } from './rows.ts';
import { checkClaims, chooseLr, formatTable } from './table.ts';

interface Job { key: string; kind: 'vlm' | 'clip'; steps: number }

/** Remaining-time estimate from the step and evaluation times measured so far (per kind: LVLM, CLIP). */
class Eta {
  private stepSec = { vlm: [] as number[], clip: [] as number[] };
  private evalSec = { vlm: [] as number[], clip: [] as number[] };
  private stepsLeft = new Map<string, number>();
  private evalsLeft = new Set<string>();
  constructor(private readonly jobs: Job[]) {
    for (const j of jobs) { this.stepsLeft.set(j.key, j.steps); this.evalsLeft.add(j.key); }
  }
  private kindOf = (key: string) => this.jobs.find((j) => j.key === key)?.kind ?? 'vlm';
  step(key: string, sec: number) {
    this.stepSec[this.kindOf(key)].push(sec);
    this.stepsLeft.set(key, Math.max(0, (this.stepsLeft.get(key) ?? 1) - 1));
  }
  /** A job's evaluation finished (sec null: not a test evaluation, e.g. a sweep run's val pass). */
  evaluated(key: string, sec: number | null) {
    if (sec !== null) this.evalSec[this.kindOf(key)].push(sec);
    this.evalsLeft.delete(key);
    this.stepsLeft.set(key, 0);
  }
  /** Seconds left, and whether it is only a lower bound (no evaluation timed yet). */
  estimate(): { seconds: number; lowerBound: boolean } | null {
    const avg = (xs: number[], fallback: number[]) => { const v = (xs.length ? xs : fallback).slice(-50); return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null; };
    let total = 0, lowerBound = false;
    for (const j of this.jobs) {
      const o = j.kind === 'clip' ? 'vlm' : 'clip';
      const left = this.stepsLeft.get(j.key)!;
      if (left > 0) { const s = avg(this.stepSec[j.kind], this.stepSec[o]); if (s === null) return null; total += left * s; }
      if (this.evalsLeft.has(j.key)) { const e = avg(this.evalSec[j.kind], this.evalSec[o]); if (e === null) lowerBound = true; else total += e; }
    }
    return { seconds: total, lowerBound };
  }
}

/** The (row, seed) jobs of a run, in the page's order (runner.ts), less those already done. */
function jobsOf(a: EvidenceArgs, clip: ClipPlan, skip: string[], sweepDone: boolean): Job[] {
  const jobs: Job[] = [];
  if (a.rows.includes('zero-shot')) jobs.push({ key: jobKey('zero-shot', null), kind: 'vlm', steps: 0 });
  const clipTodo = a.rows.includes('clip') && a.seeds.some((s) => !skip.includes(jobKey('clip', s)));
  if (clipTodo && !sweepDone && a.clipLrs.length > 1) for (const lr of a.clipLrs) jobs.push({ key: `clip-sweep@${lr}`, kind: 'clip', steps: clip.sweepSteps });
  for (const s of a.seeds) for (const r of a.rows) if (r !== 'zero-shot') jobs.push({ key: jobKey(r, s), kind: r === 'clip' ? 'clip' : 'vlm', steps: r === 'clip' ? clip.steps : a.steps });
  return jobs.filter((j) => !skip.includes(j.key));
}

async function runPage(a: EvidenceArgs, o: Omit<RunOptions, 'modelUrl'>, onProgress: (p: Progress) => void): Promise<EvidenceRun> {
  const modelDir = resolve(ROOT, a.model);
  const rel = relative(join(ROOT, 'public'), modelDir);
  const hp = await openHeadlessPage({
    entry: 'scripts/evidence/evidence.html', ready: '__discernEvidence', name: 'evidence', echo: 'warnings',
    expose: { __discernEvidenceProgress: onProgress },
  });
  try {
    const opts: RunOptions = { ...o, modelUrl: `${hp.origin}/${rel.split('\\').join('/')}/` };
    return await hp.page.evaluate((x) => window.__discernEvidence!.run(x), opts);
  } finally {
    await hp.close();
  }
}

async function evidence(a: EvidenceArgs): Promise<void> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const modelDir = resolve(ROOT, a.model);
  if (!existsSync(join(modelDir, 'config.json'))) throw new Error(`--model ${a.model}: no config.json in ${modelDir}`);
  const rel = relative(join(ROOT, 'public'), modelDir);
  if (rel.startsWith('..') || resolve(ROOT, 'public', rel) !== modelDir) throw new Error(`--model ${a.model}: must be a folder inside public/ (served to the page)`);

  // the fair CLIP's budget follows the evaluated model's own pretraining (its log, and the logs it was --init-from)
  const pretrain = pretrainBudget(a.model, (f) => {
    const p = join(resolve(ROOT, f), 'pretrain_log.jsonl');
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  });
  const { plan: clip, budget } = planClip(a, pretrain, SYNTHETIC_BENCHMARK.train);
  const resumed = a.resumeFrom ? readResume(JSON.parse(readFileSync(resolve(ROOT, a.resumeFrom), 'utf8')), a) : { rows: [] as RowResult[], sweep: null as ClipSweepRun[] | null };
  const skip = resumed.rows.map((r) => jobKey(r.id, r.seed));

  const eta = new Eta(jobsOf(a, clip, skip, resumed.sweep !== null));
  const etaText = () => { const e = eta.estimate(); return e === null ? 'ETA …' : `ETA ${e.lowerBound ? '> ' : ''}${mmss(e.seconds)}`; };
  const out = resolve(ROOT, a.outDir);
  let setup: Omit<EvidenceRun, 'rows' | 'clipSweep'> | null = null;
  const done: RowResult[] = [...resumed.rows];
  let sweepRuns: ClipSweepRun[] = resumed.sweep ? [...resumed.sweep] : [];
  let chosenLr: number | null = resumed.sweep ? chooseLr(resumed.sweep) : null; // a reused sweep sends no sweep events
  const clipMeta: RunMeta['clip'] = a.rows.includes('clip') ? { plan: clip, budget, pretrain } : undefined;
  const lrWhy = recipeLrWhy(modelDir, a.lr);
  const write = (run: EvidenceRun, partial: boolean) => {
    const meta: RunMeta = { command: commandLine(a), date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), wallSeconds: elapsed(), args: a, partial, clip: clipMeta, lrWhy,
      notes: existsSync(join(out, NOTES_FILE)) ? NOTES_FILE : undefined };
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'EVIDENCE.md'), evidenceMarkdown(run, meta));
    writeFileSync(join(out, 'evidence.json'), JSON.stringify(evidenceJson(run, meta), null, 1) + '\n');
  };
  const partialSweep = (): EvidenceRun['clipSweep'] => (sweepRuns.length ? { runs: sweepRuns, chosenLr: chosenLr ?? NaN } : null);

  console.log(`evidence: ${commandLine(a)}\n  rows ${a.rows.join(', ')}; seeds ${a.seeds.join(', ')}; LVLM ${a.steps} steps × batch ${a.batch}; train ${a.train}, val ${a.val}, test ${a.test}, winoground ${a.wino}`);
  if (clipMeta) {
    console.log(`  budget in examples seen — LVLM: pretraining ${budget.pretrainExamples} (${pretrain.note}) + fine-tuning ${budget.finetuneExamples} = ${budget.lvlmExamples}`);
    console.log(`                            CLIP: ${clip.steps} steps × ${clip.batch} = ${budget.examples} per seed${budget.capped ? ' (CAPPED by --clip-max-examples: not a fair CLIP)' : ''}; ` +
      `${clip.scenes} train scenes, ${a.clipCaptions} captions; ${a.clipLrs.length > 1 ? `lr sweep ${a.clipLrs.join(', ')} on val at ${clip.sweepSteps} steps each` : `lr ${a.clipLrs[0]} (given: no sweep)`}`);
  }
  if (resumed.rows.length) console.log(`  resumed from ${a.resumeFrom}: ${skip.join(', ')}${resumed.sweep ? ' + the CLIP sweep' : ''}`);

  const o: Omit<RunOptions, 'modelUrl'> = {
    ...(Object.fromEntries(RUN_FIELDS.map((k) => [k, a[k]])) as Pick<EvidenceArgs, (typeof RUN_FIELDS)[number]>),
    sizes: { train: a.train, val: a.val, test: a.test, wino: a.wino }, clip, skip, sweep: resumed.sweep,
  };
  const fresh = await runPage(a, o, (p) => {
    const at = `[${mmss(elapsed())}]`;
    const who = (row: string | null, seed: number | null) => `${row ?? 'setup'}${seed === null ? '' : ` seed ${seed}`}`;
    if (p.type === 'phase') console.log(`${at} ${who(p.row, p.seed)}: ${p.phase}…`);
    else if (p.type === 'setup') {
      setup = p.run;
      console.log(`${at} adapter: ${Object.values(p.run.adapter).filter(Boolean).join(' / ')}; features in ${p.run.featureSeconds.toFixed(1)} s`);
    } else if (p.type === 'step') {
      eta.step(p.job, p.seconds);
      if (p.step === 1 || p.step === p.steps || p.step % (p.steps > 500 ? 50 : 5) === 0) {
        console.log(`${at} ${p.job.startsWith('clip-sweep') ? p.job : who(p.row, p.seed)}: step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  ${p.seconds.toFixed(2)} s/step  ${etaText()}`);
      }
    } else if (p.type === 'sweep') {
      eta.evaluated(`clip-sweep@${p.run.lr}`, null);
      sweepRuns = [...sweepRuns, p.run];
      if (p.chosenLr !== null) chosenLr = p.chosenLr;
      if (setup) write({ ...setup, rows: done, clipSweep: partialSweep() }, true);
      console.log(`${at} clip lr ${p.run.lr}: val score ${(100 * p.run.score).toFixed(1)} % after ${p.run.steps} steps${p.chosenLr !== null ? ` → chosen lr ${p.chosenLr}` : ''}  ${etaText()}`);
    } else {
      eta.evaluated(jobKey(p.row, p.seed), p.evalSeconds);
      done.push(p.result);
      // partial documents after every (row, seed): a late failure still leaves what was measured
      if (setup) write({ ...setup, rows: done, clipSweep: partialSweep() }, true);
      console.log(`${at} ${who(p.row, p.seed)}: done (train ${mmss(p.trainSeconds)}, eval ${mmss(p.evalSeconds)})  ${etaText()}`);
    }
  });
  const run: EvidenceRun = {
    ...fresh, rows: [...resumed.rows, ...fresh.rows],
    clipSweep: fresh.clipSweep ?? (resumed.sweep ? { runs: resumed.sweep, chosenLr: chooseLr(resumed.sweep) } : null),
  };
  console.log(`\n${formatTable(run.rows)}\n`);
  for (const c of checkClaims(run.rows)) console.log(`${c.claim} → ${c.verdict}\n  ${c.text}`);
  write(run, false);
  console.log(`\nwrote ${join(out, 'EVIDENCE.md')} and evidence.json; wall time ${mmss(elapsed())}`);
}

let args: EvidenceArgs;
try {
  args = parseEvidenceArgs(process.argv.slice(2));
} catch (e) {
  console.error(`evidence: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
evidence(args).then(() => process.exit(0), (e: Error) => {
  console.error(`evidence: failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
