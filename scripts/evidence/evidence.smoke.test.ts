// CI-sized run of `npm run evidence`: the real harness (Vite + headless Chromium + SwiftShader
// WebGPU) with --quick (2 steps, tiny splits) on tiny-random into a temp dir. Every row and
// column is printed and written; every number is finite and in [0, 1]; the document has the
// command, the table and the three claims.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ROW_IDS } from './rows.ts';
import { COLUMNS } from './table.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const dir = mkdtempSync(join(tmpdir(), 'discern-evidence-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function evidence(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [TSX, 'scripts/evidence/evidence.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

test('evidence --quick on tiny-random: all rows × columns, finite fractions, EVIDENCE.md + evidence.json', async () => {
  const r = await evidence(['--quick', '--model', 'public/models/tiny-random', '--out-dir', dir]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/vladva: step 2\/2 {2}loss \d+\.\d+ .* ETA/);
  const table = r.stdout.split('\n').filter((l) => ROW_IDS.some((id) => l.startsWith(id + ' ')));
  expect(table.map((l) => l.split(/\s+/)[0])).toEqual([...ROW_IDS]);
  for (const l of table) expect(l.trim().split(/\s+/)).toHaveLength(1 + COLUMNS.length);

  const j = JSON.parse(readFileSync(join(dir, 'evidence.json'), 'utf8'));
  expect(j.rows.map((x: { id: string }) => x.id)).toEqual([...ROW_IDS]);
  for (const row of j.rows) {
    expect(Object.keys(row.metrics)).toEqual(COLUMNS.map((c) => c.key));
    for (const [k, v] of Object.entries(row.metrics)) expect(typeof v === 'number' && v >= 0 && v <= 1, `${row.id} ${k} = ${v}`).toBe(true);
    if (row.id === 'zero-shot') expect(row.train).toBeNull();
    else expect(row.train.loss.length === 2 && row.train.loss.every(Number.isFinite)).toBe(true);
  }
  expect(j.claims.map((c: { verdict: string }) => c.verdict).every((v: string) => ['supported', 'contradicted', 'inconclusive'].includes(v))).toBe(true);
  expect(j.budget).toMatchObject({ steps: 2, batch: 4, quick: true });
  const md = readFileSync(join(dir, 'EVIDENCE.md'), 'utf8');
  expect(md).toContain('npm run evidence -- --quick --model public/models/tiny-random --out-dir');
  expect(md).toMatch(/wall time \*\*\dm\d\ds\*\*/);
  expect(md).toContain('| VladVA: LoRA + soft prompts, contr. + next-token |');
}, 120_000);
