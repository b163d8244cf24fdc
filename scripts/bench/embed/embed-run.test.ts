// End to end: `tsx scripts/bench/run.ts embed --quick` (Vite + headless Chromium on SwiftShader,
// ours vs onnxruntime-web WebGPU and wasm) exits 0, prints the table and writes JSON whose
// embeddings agreed (≤ 1e-3 relative) and whose every implementation has timed samples.
// ~25–40 s on 2 cores: the CI check that the suite still runs from a clean checkout.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import type { EmbedResult } from './result.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

test('bench embed --quick runs in the browser and the implementations agree', () => {
  const dir = mkdtempSync(join(tmpdir(), 'discern-bench-'));
  try {
    const out = join(dir, 'embed.json');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/bench/run.ts', 'embed', '--quick', '--out', out], {
      cwd: ROOT, encoding: 'utf8', timeout: 170_000,
    });
    expect(r.status, `exit ${r.status}\n${r.stdout}\n${r.stderr}`).toBe(0);
    expect(r.stdout).toMatch(/^texts\s+8\s+\d+\s+ort-webgpu\s/m);
    const res = JSON.parse(readFileSync(out, 'utf8')) as EmbedResult;
    expect(res.rows.map((x) => x.kind)).toEqual(['texts', 'images']);
    for (const row of res.rows) {
      expect(row.impls.map((i) => i.impl)).toEqual(['ours', 'ort-webgpu', 'ort-wasm']);
      for (const i of row.impls) {
        expect(i.samplesMs.length).toBeGreaterThanOrEqual(1);
        expect(i.medianMs).toBeGreaterThan(0);
        if (i.impl !== 'ours') expect(i.maxRelDiffVsOurs).toBeLessThanOrEqual(1e-3);
      }
    }
    expect(res.adapters.ours).toMatch(/\S/);
    expect(res.host?.cpus).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}, 180_000);
