// CI-sized smoke of scripts/caption-eval/generative-probe.ts --quick: the real harness (Vite +
// headless Chromium + SwiftShader WebGPU) scores the captions and hard negatives of 8 held-out
// test scenes and 2 winoground pairs by log p(caption | image) under the bundled discern-tiny v2.
// Its JSON re-summarises to the printed figures, and v2 — whose greedy captions bind colours to
// shapes (caption-eval: colour / shape 99.8 %) — prefers the true caption on the swap probes.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { runScript } from '../run-script.ts';
import { parseGenerativeArgs } from './generative-probe.ts';
import { summarizeGenerative } from './generative-score.ts';

const dir = mkdtempSync(join(tmpdir(), 'discern-generative-probe-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const probe = (args: string[]) => runScript('scripts/caption-eval/generative-probe.ts', args);

test('--quick scores 8 scenes × 7 negatives and 2 pairs; the JSON re-summarises to the same figures', async () => {
  const json = join(dir, 'g.json');
  const r = await probe(['--quick', '--json', json]);
  expect(r.code, r.out).toBe(0);
  const rep = JSON.parse(readFileSync(json, 'utf8'));
  expect(rep.model).toBe('public/models/discern-tiny-v2');
  expect(rep.run.scenes.map((s: { id: string }) => s.id)).toEqual(syntheticBenchmark().test.slice(0, 8).map((s) => s.id));
  expect(rep.run.pairs).toHaveLength(2);
  for (const s of rep.run.scenes) {
    expect(s.pos.tokens).toBeGreaterThan(1);
    expect(s.pos.logProb).toBeLessThan(0);
  }
  expect(summarizeGenerative(rep.run)).toEqual(rep.summary);
  const line = r.out.split('\n').find((l) => l.startsWith('GENERATIVE_PROBE '))!;
  expect(JSON.parse(line.slice('GENERATIVE_PROBE '.length)).categories).toEqual(rep.summary.categories);
  expect(r.out).toMatch(/swap-att\s+\d+\s+\d+\.\d %/);
  expect(rep.summary.categories.sum['swap-att']).toBeGreaterThanOrEqual(0.75);
  expect(rep.summary.categories.sum['swap-obj']).toBeGreaterThanOrEqual(0.75);
}, 180_000);

test('bad command lines are refused with the reason (exit 2)', async () => {
  expect(() => parseGenerativeArgs(['--scenes', '0'])).toThrow('--scenes needs an integer ≥ 1, got 0');
  expect(() => parseGenerativeArgs(['--bogus', '1'])).toThrow('unknown argument --bogus');
  expect(parseGenerativeArgs(['--quick', '--scenes', '3'])).toMatchObject({ scenes: 3, wino: 2 });
  const r = await probe(['--wino', 'x']);
  expect(r.code).toBe(2);
  expect(r.out).toContain('--wino needs an integer ≥ 0, got x');
}, 60_000);
