// CLI smoke test: spawns the real `discern` (bin/discern.mjs → Vite + headless Chromium +
// the engine Worker on SwiftShader) for a 2-step training run on the bundled tiny model,
// then embeds with the written adapter, then feeds a broken dataset. ~50 s on 2 cores.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { decodeNpy } from './npy.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/discern.mjs');

function discern(args: string[]): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((res) => {
    const p = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => (stdout += d));
    p.stderr.on('data', (d) => (stderr += d));
    p.on('close', (code) => res({ code, stdout, stderr }));
  });
}

function safetensorsKeys(path: string): string[] {
  const b = readFileSync(path);
  const n = Number(b.readBigUInt64LE(0));
  return Object.keys(JSON.parse(b.subarray(8, 8 + n).toString('utf8'))).filter((k) => k !== '__metadata__');
}

const dir = mkdtempSync(join(tmpdir(), 'discern-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('train --steps 2 --batch 4 writes the PEFT files and one metrics line per step; embed reads them back', async () => {
  const out = join(dir, 'adapter');
  const r = await discern(['train', '--steps', '2', '--batch', '4', '--count', '8', '--out', out]);
  expect(r.code, r.stderr).toBe(0);
  for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors', 'metrics.jsonl']) expect(existsSync(join(out, f)), f).toBe(true);
  const cfg = JSON.parse(readFileSync(join(out, 'adapter_config.json'), 'utf8'));
  expect(cfg).toMatchObject({ peft_type: 'LORA', r: 16, lora_alpha: 16, base_model_name_or_path: 'discern-tiny-v2' }); // the default bundled model
  expect(safetensorsKeys(join(out, 'adapter_model.safetensors')).some((k) => k.includes('lora_A'))).toBe(true);
  expect(safetensorsKeys(join(out, 'soft_prompts.safetensors'))).toEqual(expect.arrayContaining(['image_soft_prompt', 'text_soft_prompt']));
  const lines = readFileSync(join(out, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  expect(lines.map((l) => l.step)).toEqual([1, 2]);
  for (const l of lines) {
    expect(Number.isFinite(l.loss) && Number.isFinite(l.contrastive) && Number.isFinite(l.nextToken) && l.lr > 0).toBe(true);
    expect(l.loss).toBeCloseTo(l.contrastive + l.nextToken, 4); // λ = 1, 1
  }

  mkdirSync(join(dir, 'texts'), { recursive: true });
  const texts = join(dir, 'texts', 't.txt');
  writeFileSync(texts, 'a red cube\na blue ball above a green cone\n');
  const npy = join(dir, 'emb.npy');
  const e = await discern(['embed', '--adapter', out, '--texts', texts, '--out', npy]);
  expect(e.code, e.stderr).toBe(0);
  const { shape, data } = decodeNpy(readFileSync(npy));
  expect(shape).toEqual([2, 64]);
  expect(Math.hypot(...data.subarray(0, 64))).toBeCloseTo(1, 4);
}, 150_000);

test('a dataset with no usable rows exits 3 and names the file and line', async () => {
  const bad = join(dir, 'bad.jsonl');
  writeFileSync(bad, '{"image": "missing.png", "caption": "a cube"}\nnot json\n');
  const r = await discern(['train', '--data', bad, '--steps', '1', '--batch', '2', '--out', join(dir, 'x')]);
  expect(r.code, r.stderr).toBe(3);
  expect(r.stderr).toMatch(/bad\.jsonl:2: invalid JSON/);
  expect(r.stderr).toMatch(/bad\.jsonl:1: image "missing\.png" not found/);
  const u = await discern(['train', '--steps', 'x', '--out', 'o']);
  expect(u.code).toBe(2);
}, 90_000);
