// The CLI's graceful stop (stop.ts + main.ts): a SIGINT mid-run exits 6 with the last completed
// step exported (PEFT files, run.json, resume-profile/ holding the checkpoint), and
// `train --resume DIR` then produces exactly the losses of an uninterrupted run of the same seed.
// A kill that reaches only a wrapper process (as `npx` is) still stops the run. Real runs:
// bin/discern.mjs → Vite + headless Chromium + the engine Worker, tiny model, batch 2.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, expect, test } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const BIN = join(ROOT, 'bin/discern.mjs');
const TRAIN = ['train', '--steps', '4', '--batch', '2', '--count', '8', '--seed', '3'];

interface Run { code: number | null; stderr: string; proc: ChildProcess; done: Promise<void> }

/** Spawns `node …args`; `onStderr` sees the stderr collected so far after each chunk. */
/** detached: own process group, so a group-wide signal is what a terminal's Ctrl-C sends. */
function start(args: string[], onStderr: (all: string, r: Run) => void = () => {}): Run {
  const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const r: Run = { code: null, stderr: '', proc, done: Promise.resolve() };
  proc.stderr!.on('data', (d) => {
    r.stderr += d;
    onStderr(r.stderr, r);
  });
  proc.stdout!.resume();
  r.done = new Promise((res) => proc.on('close', (code) => { r.code = code; res(); }));
  return r;
}

const losses = (dir: string) => readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { step: number; loss: number; contrastive: number; nextToken: number });
const dir = mkdtempSync(join(tmpdir(), 'discern-stop-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('no arguments: usage on stderr, exit 2', async () => {
  const r = start([BIN]);
  await r.done;
  expect(r.code).toBe(2);
  expect(r.stderr).toMatch(/no command given[\s\S]*usage: discern[\s\S]*6 {2}stopped by a signal/);
}, 30_000);

test('Ctrl-C (SIGINT to the process group) after step 1 exits 6 with the last step exported; --resume continues to the same losses as an uninterrupted run', async () => {
  const full = join(dir, 'full');
  const a = start([BIN, ...TRAIN, '--out', full]);
  await a.done;
  expect(a.code, a.stderr).toBe(0);
  const want = losses(full);
  expect(want.map((l) => l.step)).toEqual([1, 2, 3, 4]);

  const out = join(dir, 'stopped');
  let sent = false;
  const b = start([BIN, ...TRAIN, '--out', out], (all, r) => {
    if (!sent && /step 1\/4/.test(all)) {
      sent = true;
      process.kill(-r.proc.pid!, 'SIGINT'); // the whole group (node, Vite's esbuild), as Ctrl-C does
    }
  });
  await b.done;
  expect(b.code, b.stderr).toBe(6);
  expect(b.stderr).toMatch(/SIGINT: stopping after the current step/);
  const run = JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'));
  expect(run).toMatchObject({ state: 'stopped', reason: 'SIGINT', totalSteps: 4 });
  expect(run.step).toBeGreaterThanOrEqual(1);
  expect(run.step).toBeLessThan(4);
  for (const f of ['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors', 'resume-profile']) expect(existsSync(join(out, f)), f).toBe(true);
  expect(losses(out).map((l) => l.step)).toEqual(Array.from({ length: run.step }, (_, i) => i + 1));

  const c = start([BIN, 'train', '--resume', out]);
  await c.done;
  expect(c.code, c.stderr).toBe(0);
  expect(c.stderr).toMatch(new RegExp(`resumed from step ${run.step}`));
  expect(losses(out)).toEqual(want.map((l) => expect.objectContaining({ step: l.step, loss: l.loss, contrastive: l.contrastive, nextToken: l.nextToken })));
  expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).state).toBe('done');
  expect(existsSync(join(out, 'resume-profile'))).toBe(false);
}, 240_000);

test('a kill that reaches only the wrapper (as npx) still stops the run and exports it', async () => {
  const out = join(dir, 'orphan');
  // The wrapper shares its stdio with the CLI, so our pipes close only when the CLI exits.
  const wrapper = `require('node:child_process').spawn(process.execPath, ${JSON.stringify([BIN, ...TRAIN, '--out', out])}, { stdio: 'inherit' }); setInterval(() => {}, 1e3);`;
  let killed = false;
  const w = start(['-e', wrapper], (all, r) => {
    if (!killed && /step 1\/4/.test(all)) {
      killed = true;
      r.proc.kill('SIGKILL'); // the wrapper dies without forwarding anything
    }
  });
  await w.done;
  expect(w.stderr).toMatch(/parent process \d+ exited: stopping after the current step/);
  expect(w.stderr).toMatch(/stopped \(parent process \d+ exited\) after step \d\/4/);
  expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8'))).toMatchObject({ state: 'stopped' });
  expect(existsSync(join(out, 'adapter_model.safetensors'))).toBe(true);
}, 150_000);
