// CI-sized run of `npm run evidence`: the real harness (Vite + headless Chromium + SwiftShader
// WebGPU) with --quick (zero-shot, VladVA, no-next-token, CLIP; 2 seeds, 2 steps, tiny splits,
// a 2-value CLIP lr sweep on val) on
// tiny-random into a temp dir. Every row is printed with n and mean ± sd cells; evidence.json
// has every (row, seed) run with finite fractions in [0, 1], per-row means and sample sds that
// match the runs, the CLIP budget and sweep, and three claims with verdicts; EVIDENCE.md has
// the command, the table and the claims.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../run-script.ts';
import { afterAll, expect, test } from 'vitest';
import { parseEvidenceArgs } from './args.ts';
import { COLUMNS } from './table.ts';

/** --quick's rows: those the three claims compare. */
const ROW_IDS = parseEvidenceArgs(['--quick']).rows;
const dir = mkdtempSync(join(tmpdir(), 'discern-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const evidence = (args: string[]) => runScript('scripts/evidence/evidence.ts', args);

interface Json {
  runs: { id: string; seed: number | null; metrics: Record<string, number>; train: { loss: number[] } | null; lr?: number }[];
  rows: { id: string; n: number; seeds: (number | null)[]; mean: Record<string, number | null>; sd: Record<string, number | null> }[];
  clip: { budget: { lvlmExamples: number; examples: number; steps: number }; sweep: { lr: number; score: number }[]; chosenLr: number };
  claims: { id: string; verdict: string; seeds: number[]; text: string }[];
  budget: Record<string, unknown>;
}

test('evidence --quick on tiny-random: 2 seeds per trained row, mean ± sd, CLIP sweep + budget, claim verdicts', async () => {
  const r = await evidence(['--quick', '--model', 'public/models/tiny-random', '--out-dir', dir]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/vladva seed 1: step 2\/2 {2}loss \d+\.\d+ .* ETA/);
  expect(r.stdout).toMatch(/budget in examples seen — LVLM: pretraining 0 .* fine-tuning 8 = 8\n\s+CLIP: 2 steps × 4 = 8 per seed/);
  expect(r.stdout).toMatch(/clip lr 0\.01: val score \d+\.\d % after 1 steps → chosen lr 0\.0(03|1)/);
  const table = r.stdout.split('\n').filter((l) => ROW_IDS.some((id) => l.startsWith(id + ' ')));
  expect(table.map((l) => l.split(/\s+/)[0])).toEqual([...ROW_IDS]);
  for (const l of table) {
    const cells = l.trim().split(/\s+/);
    expect(cells).toHaveLength(2 + COLUMNS.length);
    expect(cells[1]).toBe(l.startsWith('zero-shot') ? '1' : '2');
    if (!l.startsWith('zero-shot')) expect(cells.slice(2).every((c) => /^\d+\.\d±\d+\.\d$/.test(c)), l).toBe(true);
  }
  expect(r.stdout).toMatch(/→ (supported|not supported|inconclusive)\n/);

  const j = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8')) as Json;
  // every (row, seed) run, with its numbers
  expect(j.runs.map((x) => `${x.id}#${x.seed}`).sort()).toEqual(['zero-shot#null', ...ROW_IDS.slice(1).flatMap((id) => [`${id}#0`, `${id}#1`])].sort());
  for (const run of j.runs) {
    expect(Object.keys(run.metrics)).toEqual(COLUMNS.map((c) => c.key));
    for (const [k, v] of Object.entries(run.metrics)) expect(typeof v === 'number' && v >= 0 && v <= 1, `${run.id}#${run.seed} ${k} = ${v}`).toBe(true);
    if (run.id === 'zero-shot') expect(run.train).toBeNull();
    else expect(run.train!.loss.length === (run.id === 'clip' ? j.clip.budget.steps : 2) && run.train!.loss.every(Number.isFinite)).toBe(true);
    if (run.id === 'clip') expect(run.lr).toBe(j.clip.chosenLr);
  }
  // the spread is computed from the per-seed numbers: mean and sample sd of two values (|a − b| / √2)
  for (const row of j.rows.filter((x) => x.id !== 'zero-shot')) {
    expect(row.n).toBe(2);
    const per = j.runs.filter((x) => x.id === row.id).map((x) => x.metrics);
    for (const c of COLUMNS) {
      expect(row.mean[c.key]).toBeCloseTo((per[0][c.key] + per[1][c.key]) / 2, 9);
      expect(row.sd[c.key]).toBeCloseTo(Math.abs(per[0][c.key] - per[1][c.key]) / Math.SQRT2, 9);
    }
  }
  expect(j.rows.find((x) => x.id === 'zero-shot')!.sd['t2i@1']).toBeNull();
  expect(j.clip.sweep.map((s) => s.lr)).toEqual([3e-3, 1e-2]);
  expect(j.clip.budget).toMatchObject({ lvlmExamples: 8, examples: 8 });
  expect(j.claims.map((c) => c.id)).toEqual(['tuning-beats-prompting', 'next-token-helps-compositional', 'lvlm-beats-clip-on-swaps']);
  for (const c of j.claims) {
    expect(['supported', 'not supported', 'inconclusive']).toContain(c.verdict);
    expect(c.seeds).toEqual([0, 1]);
    expect(c.text).toMatch(/over 2 (paired )?seeds/);
  }
  expect(j.budget).toMatchObject({ steps: 2, batch: 4, quick: true, seeds: [0, 1] });
  const md = readFileSync(join(dir, 'EVIDENCE.md'), 'utf8');
  expect(md).toContain('npm run evidence -- --quick --model public/models/tiny-random --out-dir');
  expect(md).toMatch(/wall time \*\*\dm\d\ds\*\*/);
  expect(md).toMatch(/\| VladVA: LoRA \+ soft prompts, contr\. \+ next-token \| 2 \| \d+\.\d ± \d+\.\d \|/);
  expect(md).toContain('| **LVLM total** | **8** |');
  expect(md.match(/^\*\*.*\*\* — \*(supported|not supported|inconclusive)\*\./gm)).toHaveLength(3);
}, 300_000);
