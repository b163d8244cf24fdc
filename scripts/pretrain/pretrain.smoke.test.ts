// CI-sized smoke of `npm run pretrain`: the real harness (Vite + headless Chromium +
// SwiftShader WebGPU) for 2 steps of batch 2 on 8 train scenes, into a temp folder; the
// folder is complete, loads through the engine's loaders, and the log has one line per step.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { loadWeights } from '../../src/engine/model/io/weights.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const TSX = join(ROOT, 'node_modules/tsx/dist/cli.mjs');
const dir = mkdtempSync(join(tmpdir(), 'discern-pretrain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function pretrain(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [TSX, 'scripts/pretrain/pretrain.ts', ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

test('pretrain --steps 2 --batch 2 writes a loadable model folder, a model card and a per-step log', async () => {
  const r = await pretrain(['--steps', '2', '--batch', '2', '--train-scenes', '8', '--eval-scenes', '2', '--samples', '1', '--out', dir]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/step 2\/2 {2}loss \d+\.\d+ .* tok\/s .* ETA 0m00s/);
  const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json',
    'generation_config.json', 'README.md', 'onnx/vision_encoder.onnx', 'pretrain_log.jsonl'];
  for (const f of names) expect(existsSync(join(dir, f)), f).toBe(true);
  const log = readFileSync(join(dir, 'pretrain_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(log.map((l) => l.type)).toEqual(['config', 'step', 'step', 'summary']);
  expect(log[1].loss).toBeGreaterThan(1);
  expect(log[3].samples).toHaveLength(1);
  const files = Object.fromEntries(names.slice(0, 6).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  const folder = folderFromMap('smoke', files);
  const config = parseVlmConfig(await folder.readJson('config.json'));
  const w = await loadWeights(folder, config);
  expect(w.get('model.text_model.embed_tokens.weight')!.shape).toEqual([config.text.vocab_size, 64]);
  expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('npm run pretrain -- --steps 2 --batch 2');
}, 120_000);

test('pretrain --bench --quick prints examples/s and the GPU API counts per timed step, and writes nothing', async () => {
  const r = await pretrain(['--bench', '--quick', '--out', join(dir, 'bench-must-not-exist')]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  for (const k of ['examples/s', 'ms/step', 'dispatches/step', 'submits/step', 'buffers created/step', 'bytes read/step', 'load average']) {
    expect(r.stdout).toContain(k);
  }
  const line = r.stdout.split('\n').find((l) => l.startsWith('BENCH '));
  const b = JSON.parse(line!.slice('BENCH '.length));
  expect(b.batch).toBe(4);
  expect(b.timedSteps).toBe(2);
  expect(b.losses).toHaveLength(3); // warm-up + 2 timed
  expect(b.perStep.dispatches).toBeGreaterThan(0);
  expect(b.perStep.submits).toBeGreaterThan(0);
  expect(b.perStep.reads).toBeGreaterThan(0);
  expect(b.loadAvgBefore).toHaveLength(3);
  expect(existsSync(join(dir, 'bench-must-not-exist'))).toBe(false);
}, 120_000);
