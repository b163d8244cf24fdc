// CI-sized smoke of `npm run pretrain`: the real harness (Vite + headless Chromium +
// SwiftShader WebGPU) for 3 steps of batch 3 on 4 train scenes (8 items an epoch: the run
// crosses an epoch boundary), into a temp folder; the folder is complete, loads through the
// engine's loaders, and the log has one line per step. Resume: the same run stopped after
// step 2 (--stop-after) and continued with --resume writes a byte-identical model.safetensors,
// one log with a resume line; a resume with a changed option is refused (exit 2).
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runScript } from '../run-script.ts';
import { afterAll, expect, test } from 'vitest';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { loadWeights } from '../../src/engine/model/io/weights.ts';

const dir = mkdtempSync(join(tmpdir(), 'discern-pretrain-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const pretrain = (args: string[]) => runScript('scripts/pretrain/pretrain.ts', args);

const RUN = ['--steps', '3', '--batch', '3', '--train-scenes', '4', '--eval-scenes', '2', '--samples', '1'];

test('pretrain --steps 3 --batch 3 writes a loadable model folder, a model card, a per-step log and the trainer state', async () => {
  const r = await pretrain([...RUN, '--out', dir]);
  expect(r.code, r.stderr + r.stdout).toBe(0);
  expect(r.stdout).toMatch(/step 3\/3 {2}loss \d+\.\d+ .* tok\/s .* ETA 0m00s/);
  const names = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json',
    'generation_config.json', 'README.md', 'onnx/vision_encoder.onnx', 'pretrain_log.jsonl'];
  for (const f of names) expect(existsSync(join(dir, f)), f).toBe(true);
  const log = readFileSync(join(dir, 'pretrain_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(log.map((l) => l.type)).toEqual(['config', 'step', 'step', 'step', 'summary']);
  expect(log[1].loss).toBeGreaterThan(1);
  expect(log[4].samples).toHaveLength(1);
  const state = JSON.parse(readFileSync(join(dir, 'pretrain_state/state.json'), 'utf8'));
  expect([state.step, state.epoch, state.epochPosition]).toEqual([3, 1, 1]);
  expect(existsSync(join(dir, 'pretrain_state/moments.safetensors'))).toBe(true);
  const files = Object.fromEntries(names.slice(0, 6).map((f) => [f, new Uint8Array(readFileSync(join(dir, f)))]));
  const folder = folderFromMap('smoke', files);
  const config = parseVlmConfig(await folder.readJson('config.json'));
  const w = await loadWeights(folder, config);
  expect(w.get('model.text_model.embed_tokens.weight')!.shape).toEqual([config.text.vocab_size, 64]);
  expect(readFileSync(join(dir, 'README.md'), 'utf8')).toContain('npm run pretrain -- --steps 3 --batch 3 --warmup 3 --train-scenes 4');
}, 120_000);

test('pretrain --stop-after 2, then --resume: the same model.safetensors as the run in one go; changed options are refused', async () => {
  const two = join(dir, 'two-sittings');
  const a = await pretrain([...RUN, '--stop-after', '2', '--out', two]);
  expect(a.code, a.stderr + a.stdout).toBe(0);
  expect(a.stdout).toContain('stopped after step 2 of 3 (--stop-after); continue with: npm run pretrain -- --resume --out');
  expect(readFileSync(join(two, 'README.md'), 'utf8')).toContain('Intermediate checkpoint** after step 2 of 3');
  const bad = await pretrain(['--resume', '--lr', '0.5', '--out', two]);
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("--resume: the options differ from the saved run's: lr 0.5 ≠ the saved run's 0.003");
  const b = await pretrain(['--resume', '--out', two]);
  expect(b.code, b.stderr + b.stdout).toBe(0);
  expect(b.stdout).toContain('resuming');
  expect(b.stdout).toMatch(/step 3\/3 /);
  expect(b.stdout).not.toMatch(/step [12]\/3 /);
  expect(readFileSync(join(two, 'model.safetensors')).equals(readFileSync(join(dir, 'model.safetensors')))).toBe(true);
  const log = readFileSync(join(two, 'pretrain_log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(log.map((l) => l.type)).toEqual(['config', 'step', 'step', 'resume', 'step', 'summary']);
  expect(log[5].resumes).toEqual([2]);
  expect(readFileSync(join(two, 'README.md'), 'utf8')).toContain('run in 2 sittings, resumed exactly (weights + AdamW state) after step 2');
}, 240_000);

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
