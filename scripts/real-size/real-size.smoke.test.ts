// CI run of `npm run real-size -- --quick` (issue 13): a 2-layer cut of the SmolVLM-256M
// preset with every width and the full 49280-id vocabulary, through the same phases as the
// full-size runs — write, start, load, embed, data, contrast (the one VladVA update: --quick
// sets --train-steps 0), export, eval — in headless Chromium on SwiftShader. Checks every
// phase ran with its memory measured, the losses were finite, the adapter names its base
// model, and the evaluation was written.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../run-script.ts';
import { afterAll, expect, test } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'discern-real-size-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const PHASES = ['write', 'start', 'load', 'embed', 'data', 'contrast', 'export', 'eval'];

test('real-size --quick: every phase of the full-vocabulary 256M cut passes and is measured', async () => {
  const r = await runScript('scripts/real-size/real-size.ts', ['--quick', '--out', dir]);
  expect(r.code, r.out).toBe(0);
  const result = JSON.parse(readFileSync(join(dir, 'real-size.json'), 'utf8'));
  expect(result.args).toMatchObject({ preset: 'smolvlm-256m', layers: 2, quick: true });
  expect(result.phases.map((p: { phase: string }) => p.phase)).toEqual(PHASES);
  for (const p of result.phases.slice(2)) {
    expect(p.gpuPeakBytes, p.phase).toBeGreaterThan(50 * 2 ** 20); // the 49280 × 576 table alone is 108 MiB in f32
    expect(p.rssPeakBytes, p.phase).toBeGreaterThan(0);
  }
  const byName = Object.fromEntries(result.phases.map((p: { phase: string; detail: string }) => [p.phase, p.detail]));
  expect(byName.load).toMatch(/hidden 576, 2 layers/);
  expect(byName.contrast).toMatch(/1 VladVA update over batch 2 in chunks of 1: loss \d+\.\d+/);
  const config = JSON.parse(readFileSync(join(dir, 'model/config.json'), 'utf8'));
  expect(config.text_config.vocab_size).toBe(49280);
  const adapter = JSON.parse(readFileSync(join(dir, 'adapter/adapter_config.json'), 'utf8'));
  expect(adapter.base_model_name_or_path).toBe('model');
  expect(existsSync(join(dir, 'adapter/adapter_model.safetensors'))).toBe(true);
  const report = JSON.parse(readFileSync(join(dir, 'eval.json'), 'utf8'));
  expect(report.retrieval.textToImage[1]).toBeGreaterThanOrEqual(0);
  expect(r.out).toContain('| contrast |');
}, 720_000);
