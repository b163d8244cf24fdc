// CI smoke of the Node host on Dawn: `npm run bench:node -- train-step --quick` (bundle →
// child Node on dawn.node → SwiftShader through Debian's libvulkan1) exits 0, ran the step-1
// agreement check against every peer that runs in Node (jax-js, TF.js WebGPU — both on the
// `webgpu` package's navigator.gpu) and it passed, printed the ratio table and our per-step
// counts, and wrote its JSON. Fails (does not skip) when Dawn finds no adapter. ≈ 35–50 s
// alone; on a machine shared with other jobs it can take 3×.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { TRAIN_TOL, type TrainStepResult } from '../bench/train/result.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('bench:node train-step --quick runs on Dawn, the peers agree with ours, counts are printed', () => {
  const dir = mkdtempSync(join(tmpdir(), 'discern-bench-node-'));
  try {
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/node/bench.ts', 'train-step', '--quick', '--results', dir], {
      cwd: ROOT, encoding: 'utf8', timeout: 420_000,
    });
    const out = `${r.stdout}\n${r.stderr}`;
    expect(r.status, `exit ${r.status}\n${out}`).toBe(0);
    expect(out).toMatch(/bench-node: adapter \S/);
    // the ratio table: one row per implementation, ours first
    for (const impl of ['ours', 'jax-js', 'tfjs']) expect(out).toMatch(new RegExp(`^${impl}\\s+\\d+\\.\\d\\s+\\d+`, 'm'));
    expect(out).toMatch(/^ours, counts per step: \d+ dispatches, \d+ submits?, \d+ buffers created, .* up .* read .*encode \d+\.\d ms$/m);
    const res = JSON.parse(readFileSync(join(dir, 'train-step-quick.json'), 'utf8')) as TrainStepResult;
    expect(res.impls.map((i) => i.impl)).toEqual(['ours', 'jax-js', 'tfjs']);
    for (const i of res.impls.slice(1)) {
      // the agreement check ran (values, not null) and passed
      expect(i.lossRelDiffVsOurs, i.impl).not.toBeNull();
      expect(i.lossRelDiffVsOurs!, i.impl).toBeLessThanOrEqual(TRAIN_TOL.lossRel);
      expect(i.updateRelDiffVsOurs!, i.impl).toBeLessThanOrEqual(TRAIN_TOL.updateRel);
      expect(i.medianMs).toBeGreaterThan(0);
    }
    expect(res.oursCounts?.dispatches).toBeGreaterThan(10);
    expect(res.oursCounts?.submits).toBeGreaterThanOrEqual(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 430_000);
