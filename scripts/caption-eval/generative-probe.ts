// `npx tsx scripts/caption-eval/generative-probe.ts [--model DIR] [--scenes N] [--wino N] [--quick] [--json FILE]`
// Does the generatively pretrained model *know* the compositional facts its embeddings miss?
// The evidence table's probes (SugarCrepe-style hard negatives of the first N held-out `test`
// scenes, default 250 = the evidence run's; Winoground-style pairs, default 80) scored not by
// embedding cosines but by the base model's own log p(caption | image) (pretraining's image
// prompt, adapters off; src/engine/eval/caption_likelihood.ts), in headless Chromium on our
// WebGPU engine. Prints accuracy per category for the whole-caption rule ('sum') and the
// per-token rule ('mean'), Winoground text / image / group, and a `GENERATIVE_PROBE {json}` line;
// --json writes the summary and every score. --quick: 8 scenes, 2 pairs (CI smoke).
// Exit codes: 0 ok; 1 failed; 2 bad command line.
import { existsSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { SUGARCREPE_CATEGORIES } from '../../src/engine/data/dataset.ts';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { openHeadlessPage, REPO_ROOT } from '../headless-page.ts';
import { folderFiles } from './folder-files.ts';
import { RULES, summarizeGenerative, type GenerativeProbeRun } from './generative-score.ts';

const USAGE = 'usage: npx tsx scripts/caption-eval/generative-probe.ts [--model DIR] [--scenes N (default 250)] [--wino N (default 80)] [--quick (8 scenes, 2 pairs)] [--json FILE]';

interface Args { model: string; scenes: number; wino: number; json: string | null }

export function parseGenerativeArgs(argv: string[]): Args {
  const a: Args = { model: 'public/models/discern-tiny-v2', scenes: 250, wino: 80, json: null };
  const quick = argv.includes('--quick');
  if (quick) Object.assign(a, { scenes: 8, wino: 2 });
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i], v = argv[i + 1];
    if (f === '--quick') continue;
    if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value`);
    i++;
    if (f === '--model') a.model = v;
    else if (f === '--json') a.json = v;
    else if (f === '--scenes' || f === '--wino') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < (f === '--wino' ? 0 : 1)) throw new Error(`${f} needs an integer ≥ ${f === '--wino' ? 0 : 1}, got ${v}`);
      a[f === '--scenes' ? 'scenes' : 'wino'] = n;
    } else throw new Error(`unknown argument ${f}`);
  }
  return a;
}

async function main(a: Args): Promise<void> {
  const dir = resolve(REPO_ROOT, a.model);
  if (!existsSync(join(dir, 'model.safetensors'))) throw new Error(`${relative(REPO_ROOT, dir)} has no model.safetensors: not a model folder`);
  const bench = syntheticBenchmark();
  if (a.scenes > bench.test.length) throw new Error(`--scenes ${a.scenes}: the test split has ${bench.test.length}`);
  if (a.wino > bench.winoground.length) throw new Error(`--wino ${a.wino}: the winoground split has ${bench.winoground.length}`);
  const t0 = performance.now();
  const hp = await openHeadlessPage({
    entry: 'scripts/caption-eval/caption-eval.html', ready: '__discernCaptionEval', name: 'generative-probe', echo: 'warnings',
    expose: { __discernCaptionEvalProgress: (i: number) => void ((i + 1) % 50 === 0 && console.log(`  ${i + 1}/${a.scenes} scenes scored`)) },
  });
  let run: GenerativeProbeRun;
  try {
    run = await hp.page.evaluate(([f, n, w]) => window.__discernCaptionEval!.probe(f, n, w), [folderFiles(dir), a.scenes, a.wino] as const);
  } finally {
    await hp.close();
  }
  const g = summarizeGenerative(run);
  const pct = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? '   n/a' : `${(100 * x).toFixed(1).padStart(5)} %`);
  console.log(`generative probes: ${relative(REPO_ROOT, dir)}, log p(caption | image) of the base model, ${g.scenes} held-out test scenes, ` +
    `${g.pairs} winoground pairs, ${((performance.now() - t0) / 1000).toFixed(0)} s (chance 50 % per category; Winoground 25 / 25 / 16.7 %)`);
  console.log(`  ${'category'.padEnd(12)} ${'items'.padStart(5)}  ${RULES.map((r) => (r === 'sum' ? 'whole caption' : 'per token').padStart(13)).join(' ')}`);
  for (const c of SUGARCREPE_CATEGORIES) {
    if (!g.items[c]) continue;
    console.log(`  ${c.padEnd(12)} ${String(g.items[c]).padStart(5)}  ${RULES.map((r) => pct(g.categories[r][c]).padStart(13)).join(' ')}`);
  }
  for (const k of ['text', 'image', 'group'] as const) {
    console.log(`  ${`W-${k}`.padEnd(12)} ${String(g.pairs).padStart(5)}  ${RULES.map((r) => pct(g.winoground[r][k]).padStart(13)).join(' ')}`);
  }
  if (a.json) {
    writeFileSync(resolve(a.json), JSON.stringify({ command: `npx tsx scripts/caption-eval/generative-probe.ts ${process.argv.slice(2).join(' ')}`.trim(), model: relative(REPO_ROOT, dir), date: new Date().toISOString(), summary: g, run }, null, 1) + '\n');
    console.log(`wrote ${a.json}`);
  }
  console.log('GENERATIVE_PROBE ' + JSON.stringify({ model: relative(REPO_ROOT, dir), ...g }));
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(REPO_ROOT, 'scripts/caption-eval/generative-probe.ts')) {
  let args: Args;
  try {
    args = parseGenerativeArgs(process.argv.slice(2));
  } catch (e) {
    console.error(`generative-probe: ${(e as Error).message}\n${USAGE}`);
    process.exit(2);
  }
  main(args).then(() => process.exit(0), (e: Error) => {
    console.error(`generative-probe: failed: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}
