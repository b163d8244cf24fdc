// `npm run caption-eval -- [--model DIR] [--scenes N] [--quick] [--form free|long|short] [--max-new-tokens N] [--json FILE]`
// Greedy captions of the first N (default 200; --quick 8) held-out `test` scenes of
// syntheticBenchmark(), by the model in DIR (default public/models/discern-tiny-v2) on Discern's
// WebGPU engine in headless Chromium (caption-eval-page.ts; the image prompt pretraining
// uses), each scored slot by slot against its scene (score.ts). Prints per-slot accuracy,
// overall slot accuracy and a few examples (+ a `CAPTION_EVAL {json}` line). --form: 'free' (default)
// lets greedy decoding pick the caption form (pretraining uses one prompt for both); 'long' / 'short'
// write the form's first word for the model ('This' / 'a') and let it go on. Writes the full
// report (every caption with its slots) to --json (default DIR/caption_eval.json); with the
// default --json it also writes the figures into DIR/README.md's "Caption evaluation" section
// (card-section.ts), with the sha256 and pretraining step of the weights it scored.
// Exit codes: 0 ok; 1 failed; 2 bad command line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { openHeadlessPage, REPO_ROOT } from '../headless-page.ts';
import { sha256, STATE_DIR, type SavedState } from '../pretrain/state.ts';
import { captionEvalSection, withCaptionEvalSection, type CaptionEvalRecord } from './card-section.ts';
import { folderFiles } from './folder-files.ts';
import { scoreCaption, SLOTS, summarize } from './score.ts';

const USAGE = 'usage: npm run caption-eval -- [--model DIR] [--scenes N (default 200)] [--quick (8 scenes)] [--form free|long|short (default free)] [--max-new-tokens N (default 128)] [--json FILE]';

/** The first word the model is given per --form (every long caption starts with "This", every short one with "a": no colour starts with a vowel). */
const FORM_START = { free: '', long: 'This', short: 'a' } as const;
type Form = keyof typeof FORM_START;

/** Room for the longest benchmark caption: a three-object long caption is up to 123 tokens + the
 * end token with the bundled BPE (80, the old default, cut 40 % of them mid-sentence, and the
 * relation sentences come last: they were scored wrong though never written). */
const MAX_NEW_TOKENS = 128;

interface Args { model: string; scenes: number; maxNewTokens: number; json: string | null; quick: boolean; form: Form }

function parse(argv: string[]): Args {
  const a: Args = { model: 'public/models/discern-tiny-v2', scenes: 200, maxNewTokens: MAX_NEW_TOKENS, json: null, quick: false, form: 'free' };
  let scenesGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const f = argv[i], v = argv[i + 1];
    if (f === '--quick') { a.quick = true; continue; }
    if (v === undefined || v.startsWith('--')) throw new Error(`${f} needs a value`);
    i++;
    if (f === '--model') a.model = v;
    else if (f === '--json') a.json = v;
    else if (f === '--form') {
      if (!(v in FORM_START)) throw new Error(`--form is free, long or short, got ${v}`);
      a.form = v as Form;
    }
    else if (f === '--scenes' || f === '--max-new-tokens') {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${f} needs a positive integer, got ${v}`);
      if (f === '--scenes') [a.scenes, scenesGiven] = [n, true];
      else a.maxNewTokens = n;
    } else throw new Error(`unknown argument ${f}`);
  }
  if (a.quick && !scenesGiven) a.scenes = 8;
  return a;
}

/** The weights' sha256, and their pretraining step when pretrain_state/state.json is of these weights. */
function weightsIdentity(dir: string): { modelSha256: string; step: number | null } {
  const modelSha256 = sha256(readFileSync(join(dir, 'model.safetensors')));
  const statePath = join(dir, STATE_DIR, 'state.json');
  const st = existsSync(statePath) ? (JSON.parse(readFileSync(statePath, 'utf8')) as Partial<SavedState>) : null;
  return { modelSha256, step: st?.modelSha256 === modelSha256 && typeof st.step === 'number' ? st.step : null };
}

async function main(a: Args): Promise<void> {
  const dir = resolve(REPO_ROOT, a.model);
  if (!existsSync(join(dir, 'model.safetensors'))) throw new Error(`${rel(dir)} has no model.safetensors: not a model folder`);
  const identity = weightsIdentity(dir);
  const test = syntheticBenchmark().test;
  if (a.scenes > test.length) throw new Error(`--scenes ${a.scenes}: the test split has ${test.length}`);
  const t0 = performance.now();
  const hp = await openHeadlessPage({
    entry: 'scripts/caption-eval/caption-eval.html', ready: '__discernCaptionEval', name: 'caption-eval', echo: 'warnings',
    expose: { __discernCaptionEvalProgress: (i: number) => void ((i + 1) % 20 === 0 && console.log(`  ${i + 1}/${a.scenes} captioned`)) },
  });
  let generated: string[];
  try {
    generated = await hp.page.evaluate(([f, n, m, st]) => window.__discernCaptionEval!.run(f, n, m, st), [folderFiles(dir), a.scenes, a.maxNewTokens, FORM_START[a.form]] as const);
  } finally {
    await hp.close();
  }
  const rows = generated.map((g, i) => ({ id: test[i].id, reference: test[i].caption, generated: g, ...scoreCaption(g, test[i].scene) }));
  const s = summarize(rows);
  const longForm = rows.filter((r) => r.kind === 'long').length;
  const pct = (x: number | null) => (x == null ? 'n/a' : `${(100 * x).toFixed(1)} %`);
  console.log(`caption-eval: ${rel(dir)}, ${rows.length} held-out test scenes, greedy, form ${a.form}, ≤ ${a.maxNewTokens} new tokens ` +
    `(${longForm} long-form, ${rows.length - s.parsed} unparsable), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  for (const k of SLOTS) console.log(`  ${k.padEnd(9)} ${pct(s.perSlot[k].accuracy).padStart(8)}  (${s.perSlot[k].ok}/${s.perSlot[k].total})`);
  console.log(`  overall slot accuracy ${pct(s.overall)}`);
  console.log(`  placed    ${pct(s.placed.accuracy).padStart(8)}  (${s.placed.ok}/${s.placed.total})  not a slot: long-form objects whose cell phrase ("in the top left …") is right; chance 11.1 %`);
  for (const r of rows.slice(0, 4)) {
    console.log(`  ${r.id} ${r.slots.filter((x) => x.ok).length}/${r.slots.length} slots\n    reference: ${r.reference}\n    generated: ${r.generated}`);
  }
  const record: CaptionEvalRecord = {
    command: `npm run caption-eval -- ${process.argv.slice(2).join(' ')}`.trim(), model: rel(dir), ...identity, scenes: rows.length,
    form: a.form, maxNewTokens: a.maxNewTokens, perSlot: s.perSlot, overall: s.overall, parsed: s.parsed, placed: s.placed,
    longForm, date: new Date().toISOString(), seconds: Math.round((performance.now() - t0) / 1000),
  };
  const json = resolve(a.json ?? join(dir, 'caption_eval.json'));
  writeFileSync(json, JSON.stringify({ ...record, rows }, null, 1) + '\n');
  console.log(`wrote ${json}`);
  const card = join(dir, 'README.md');
  if (a.json == null && existsSync(card)) { // the report lives in the folder: its card quotes it
    writeFileSync(card, withCaptionEvalSection(readFileSync(card, 'utf8'), captionEvalSection(record, rel(dir))));
    console.log(`model card: the Caption evaluation section of ${rel(card)} now quotes these figures`);
  }
  console.log('CAPTION_EVAL ' + JSON.stringify({ model: record.model, step: record.step, scenes: record.scenes, overall: s.overall, perSlot: s.perSlot }));
}

const rel = (p: string) => relative(REPO_ROOT, p) || '.';

let args: Args;
try {
  args = parse(process.argv.slice(2));
} catch (e) {
  console.error(`caption-eval: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
main(args).then(() => process.exit(0), (e: Error) => {
  console.error(`caption-eval: failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
