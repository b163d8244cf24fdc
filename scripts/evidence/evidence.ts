// `npm run evidence -- [options]` (args.ts): does VladVA work at this scale? (issue #7)
//  1. opens evidence.html in headless Chromium (scripts/headless-page.ts: Vite, public/ at /, no HMR);
//  2. the page (evidence-page.ts → runner.ts) runs every row of rows.ts on our WebGPU engine
//     and streams progress, printed here with an ETA;
//  3. prints the table (table.ts) and writes EVIDENCE.md + evidence.json (doc.ts) to --out-dir.
// Exit codes: 0 ok; 1 the run failed; 2 bad command line.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { openHeadlessPage, REPO_ROOT as ROOT } from '../headless-page.ts';
import { commandLine, parseEvidenceArgs, USAGE, type EvidenceArgs } from './args.ts';
import { evidenceJson, evidenceMarkdown, mmss } from './doc.ts';
import { ROWS, RUN_FIELDS, type EvidenceRun, type Progress, type RowId, type RunOptions } from './rows.ts';
import { checkClaims, formatTable } from './table.ts';


/** Remaining-time estimate from the step and evaluation times measured so far. */
class Eta {
  private stepSec = { vlm: [] as number[], clip: [] as number[] };
  private evalSec = { vlm: [] as number[], clip: [] as number[] };
  private stepsLeft: Map<RowId, number>;
  private evalsLeft: Set<RowId>;
  constructor(private readonly rows: RowId[], steps: number) {
    this.stepsLeft = new Map(rows.map((r) => [r, ROWS.find((x) => x.id === r)!.train || r === 'clip' ? steps : 0]));
    this.evalsLeft = new Set(rows);
  }
  private kind = (r: RowId) => (r === 'clip' ? 'clip' : 'vlm') as 'clip' | 'vlm';
  step(r: RowId, sec: number) {
    this.stepSec[this.kind(r)].push(sec);
    this.stepsLeft.set(r, this.stepsLeft.get(r)! - 1);
  }
  evaluated(r: RowId, sec: number) {
    this.evalSec[this.kind(r)].push(sec);
    this.evalsLeft.delete(r);
  }
  /** Seconds left, and whether it is only a lower bound (no evaluation timed yet). */
  estimate(): { seconds: number; lowerBound: boolean } | null {
    const avg = (xs: number[], fallback: number[]) => { const v = xs.length ? xs : fallback; return v.length ? v.reduce((s, x) => s + x, 0) / v.length : null; };
    let total = 0, lowerBound = false;
    for (const r of this.rows) {
      const k = this.kind(r), o = k === 'clip' ? 'vlm' : 'clip';
      const left = this.stepsLeft.get(r)!;
      if (left > 0) { const s = avg(this.stepSec[k], this.stepSec[o]); if (s === null) return null; total += left * s; }
      if (this.evalsLeft.has(r)) { const e = avg(this.evalSec[k], this.evalSec[o]); if (e === null) lowerBound = true; else total += e; }
    }
    return { seconds: total, lowerBound };
  }
}

async function runPage(a: EvidenceArgs, onProgress: (p: Progress) => void): Promise<EvidenceRun> {
  const modelDir = resolve(ROOT, a.model);
  const publicDir = join(ROOT, 'public');
  const rel = relative(publicDir, modelDir);
  if (!existsSync(join(modelDir, 'config.json'))) throw new Error(`--model ${a.model}: no config.json in ${modelDir}`);
  if (rel.startsWith('..') || resolve(publicDir, rel) !== modelDir) throw new Error(`--model ${a.model}: must be a folder inside public/ (served to the page)`);
  const hp = await openHeadlessPage({
    entry: 'scripts/evidence/evidence.html', ready: '__discernEvidence', name: 'evidence', echo: 'warnings',
    expose: { __discernEvidenceProgress: onProgress },
  });
  try {
    const o: RunOptions = {
      ...(Object.fromEntries(RUN_FIELDS.map((k) => [k, a[k]])) as Pick<EvidenceArgs, (typeof RUN_FIELDS)[number]>),
      modelUrl: `${hp.origin}/${rel.split('\\').join('/')}/`,
      sizes: { train: a.train, val: a.val, test: a.test, wino: a.wino },
    };
    return await hp.page.evaluate((opts) => window.__discernEvidence!.run(opts), o);
  } finally {
    await hp.close();
  }
}

async function evidence(a: EvidenceArgs): Promise<void> {
  const t0 = performance.now();
  const elapsed = () => (performance.now() - t0) / 1000;
  const eta = new Eta(a.rows, a.steps);
  const etaText = () => { const e = eta.estimate(); return e === null ? 'ETA …' : `ETA ${e.lowerBound ? '> ' : ''}${mmss(e.seconds)}`; };
  const out = resolve(ROOT, a.outDir);
  let setup: Omit<EvidenceRun, 'rows'> | null = null;
  const done: EvidenceRun['rows'] = [];
  const write = (run: EvidenceRun, partial: boolean) => {
    const meta = { command: commandLine(a), date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), wallSeconds: elapsed(), args: a, partial };
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'EVIDENCE.md'), evidenceMarkdown(run, meta));
    writeFileSync(join(out, 'evidence.json'), JSON.stringify(evidenceJson(run, meta), null, 1) + '\n');
  };
  console.log(`evidence: ${commandLine(a)}\n  rows ${a.rows.join(', ')}; ${a.steps} steps × batch ${a.batch}; train ${a.train}, val ${a.val}, test ${a.test}, winoground ${a.wino}`);
  const run = await runPage(a, (p) => {
    const at = `[${mmss(elapsed())}]`;
    if (p.type === 'phase') console.log(`${at} ${p.row ?? 'setup'}: ${p.phase}…`);
    else if (p.type === 'setup') {
      setup = p.run;
      console.log(`${at} adapter: ${Object.values(p.run.adapter).filter(Boolean).join(' / ')}; features in ${p.run.featureSeconds.toFixed(1)} s`);
    }
    else if (p.type === 'step') {
      eta.step(p.row, p.seconds);
      if (p.step === 1 || p.step === p.steps || p.step % 5 === 0) {
        console.log(`${at} ${p.row}: step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  ${p.seconds.toFixed(1)} s/step  ${etaText()}`);
      }
    } else {
      eta.evaluated(p.row, p.evalSeconds);
      done.push(p.result);
      // partial documents after every row: a late failure still leaves the rows measured so far
      if (setup && done.length < a.rows.length) write({ ...setup, rows: done }, true);
      console.log(`${at} ${p.row}: done (train ${mmss(p.trainSeconds)}, eval ${mmss(p.evalSeconds)})  ${etaText()}`);
    }
  });
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
