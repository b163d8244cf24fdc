// CI-sized smoke of `npm run caption-eval -- --quick`: the real harness (Vite + headless
// Chromium + SwiftShader WebGPU) captions 8 held-out test scenes with (a copy of) the bundled
// discern-tiny, prints per-slot and overall accuracy and writes the JSON report into the folder,
// whose numbers re-score from its own captions (score.ts) to the same figures, and whose card's
// "Caption evaluation" section then quotes them (card-section.ts).
import { createHash } from 'node:crypto';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { runScript } from '../run-script.ts';
import { scoreCaption, summarize } from './score.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const dir = mkdtempSync(join(tmpdir(), 'discern-caption-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const captionEval = (args: string[]) => runScript('scripts/caption-eval/caption-eval.ts', args);

test('caption-eval --quick scores 8 greedy captions of the bundled model slot by slot and writes the report', async () => {
  const model = join(dir, 'discern-tiny'); // a copy: the run writes into the folder it scores
  cpSync(join(ROOT, 'public/models/discern-tiny'), model, { recursive: true });
  const json = join(model, 'caption_eval.json');
  const r = await captionEval(['--quick', '--model', model]);
  expect(r.code, r.out).toBe(0);
  for (const k of ['count', 'colour', 'shape', 'relation', 'overall slot accuracy']) expect(r.out).toContain(k);
  const rep = JSON.parse(readFileSync(json, 'utf8'));
  expect(rep.scenes).toBe(8);
  const test = syntheticBenchmark().test;
  expect(rep.rows.map((x: { id: string }) => x.id)).toEqual(test.slice(0, 8).map((s) => s.id));
  for (const row of rep.rows) expect(row.generated.length).toBeGreaterThan(0);
  const again = summarize(rep.rows.map((x: { generated: string }, i: number) => scoreCaption(x.generated, test[i].scene)));
  expect(again.overall).toBe(rep.overall);
  expect(r.out).toContain(`overall slot accuracy ${(100 * rep.overall).toFixed(1)} %`);
  expect(rep.modelSha256).toBe(createHash('sha256').update(readFileSync(join(model, 'model.safetensors'))).digest('hex'));
  const card = readFileSync(join(model, 'README.md'), 'utf8');
  expect(card).toContain(`| **overall** | **${(100 * rep.overall).toFixed(1)} %** | |`);
  expect(card).toContain('greedy captions of the first 8 held-out `test` scenes');
  expect(card.indexOf('## Caption evaluation')).toBeLessThan(card.indexOf('## Limitations'));
  expect(readFileSync(join(ROOT, 'public/models/discern-tiny/README.md'), 'utf8')).not.toContain('## Caption evaluation'); // the original is untouched
}, 180_000);

test('--form long gives the model the long form\'s first word: every caption is long-form; a bad --form exits 2', async () => {
  const json = join(dir, 'long.json');
  const r = await captionEval(['--scenes', '2', '--form', 'long', '--json', json]);
  expect(r.code, r.out).toBe(0);
  const rep = JSON.parse(readFileSync(json, 'utf8'));
  expect(rep.form).toBe('long');
  expect(rep.longForm).toBe(2);
  for (const row of rep.rows) expect(row.generated).toMatch(/^This /);
  const bad = await captionEval(['--form', 'medium']);
  expect(bad.code).toBe(2);
  expect(bad.out).toContain('--form is free, long or short, got medium');
}, 120_000);
