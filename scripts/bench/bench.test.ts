// Unit tests of the benchmark's pure parts: FLOP counting, medians and means, the table, the
// agreement check, the sampled-row CPU reference and the command line. Nothing is timed.

import { describe, expect, test } from 'vitest';
import { BenchUsageError, parseArgs } from './args.ts';
import { caseData } from './suite-kernels.ts';
import { maxAbsDiff, maxAbsDiffRows, referenceRows, sampleRows } from './reference.ts';
import {
  caseFlops,
  disagreements,
  formatReport,
  geomean,
  geomeanRatio,
  gflops,
  kernelCases,
  median,
  renderTable,
  speedRatio,
} from './stats.ts';
import type { CaseSpec, ImplName, ImplTiming, RowResult, SuiteResult } from './types.ts';

const spec = (o: Partial<CaseSpec>): CaseSpec => ({
  id: 'x', kind: 'matmul', layer: 'q,o', n: 256, inF: 576, outF: 576, rank: 0, scale: 1, ...o,
});

const timing = (impl: ImplName, medianMs: number, flops: number, diffOurs: number | null = 0, diffRef = 0): ImplTiming => ({
  impl, samplesMs: [medianMs], medianMs, gflops: gflops(flops, medianMs), idleSyncMs: 0.5, maxAbsDiffVsOurs: diffOurs, maxAbsDiffVsRef: diffRef,
});

function row(ms: Partial<Record<ImplName, number>>, o: Partial<CaseSpec> = {}): RowResult {
  const s = spec(o);
  const flops = caseFlops(s);
  const impls: RowResult['impls'] = {};
  for (const [k, v] of Object.entries(ms) as [ImplName, number][]) impls[k] = timing(k, v, flops, k === 'ours' ? null : 0);
  return { spec: s, flops, refMaxAbs: 3, impls };
}

describe('FLOP counting', () => {
  test('matmul is 2·N·in·out', () => {
    expect(caseFlops(spec({ n: 512, inF: 576, outF: 1536 }))).toBe(2 * 512 * 576 * 1536);
  });
  test('LoRA adds 2·N·in·r + 2·N·r·out', () => {
    const s = spec({ kind: 'lora', n: 256, inF: 1536, outF: 576, rank: 16 });
    expect(caseFlops(s)).toBe(2 * 256 * 1536 * 576 + 2 * 256 * 1536 * 16 + 2 * 256 * 16 * 576);
  });
  test('GFLOP/s = flops / ms / 1e6 and rejects a zero time', () => {
    expect(gflops(2e9, 1000)).toBeCloseTo(2, 12);
    expect(gflops(906e6, 50)).toBeCloseTo(18.12, 10);
    expect(() => gflops(1, 0)).toThrow(/> 0 ms/);
  });
});

describe('case list', () => {
  test('full suite: {matmul, lora} × N {256, 512} × the 4 SmolVLM-256M projection shapes', () => {
    const cs = kernelCases(false);
    expect(cs).toHaveLength(16);
    expect(new Set(cs.map((c) => c.id)).size).toBe(16);
    expect(cs.filter((c) => c.kind === 'lora').every((c) => c.rank === 16 && c.scale === 2)).toBe(true);
    const shapes = new Set(cs.map((c) => `${c.inF}->${c.outF}`));
    expect([...shapes].sort()).toEqual(['1536->576', '576->1536', '576->192', '576->576']);
    expect(new Set(cs.map((c) => c.n))).toEqual(new Set([256, 512]));
  });
  test('quick: one small shape, both ops', () => {
    const cs = kernelCases(true);
    expect(cs.map((c) => c.kind)).toEqual(['matmul', 'lora']);
    expect(new Set(cs.map((c) => `${c.n}:${c.inF}:${c.outF}`)).size).toBe(1);
    expect(caseFlops(cs[1])).toBeLessThan(2e7);
  });
});

describe('median and geometric mean', () => {
  test('median of odd and even samples, unsorted input left untouched', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([7])).toBe(7);
    expect(() => median([])).toThrow(RangeError);
  });
  test('geomean ignores missing ratios, NaN when none', () => {
    expect(geomean([2, 8])).toBeCloseTo(4, 12);
    expect(geomean([0.5, 2, NaN])).toBeCloseTo(1, 12);
    expect(geomean([NaN])).toBeNaN();
  });
  test('speed ratio is ours GFLOP/s over the peer (ours twice as fast → 2)', () => {
    const r = row({ ours: 10, 'jax-js': 20, tfjs: 5 });
    expect(speedRatio(r, 'jax-js')).toBeCloseTo(2, 12);
    expect(speedRatio(r, 'tfjs')).toBeCloseTo(0.5, 12);
    expect(speedRatio(row({ 'jax-js': 20 }), 'jax-js')).toBeNaN();
    expect(geomeanRatio([r, row({ ours: 10, 'jax-js': 80 })], 'jax-js')).toBeCloseTo(4, 12);
  });
});

describe('table', () => {
  test('renderTable pads columns to the widest cell', () => {
    const t = renderTable(['a', 'num'], [['long', '1'], ['b', '12345']], 1);
    expect(t.split('\n')).toEqual(['a       num', '----  -----', 'long      1', 'b     12345']);
  });
  test('formatReport: adapter, one line per case, ratios and the geomean', () => {
    const res: SuiteResult = {
      suite: 'kernels', quick: false, userAgent: 'test', startedAt: '', durationMs: 1,
      adapters: { ours: 'google swiftshader', 'jax-js': 'google swiftshader', tfjs: 'google swiftshader' },
      rows: [row({ ours: 10, 'jax-js': 20, tfjs: 40 }), row({ ours: 10, 'jax-js': 5, tfjs: 40 }, { kind: 'lora', rank: 16, layer: 'down', inF: 1536 })],
    };
    const lines = formatReport(res).split('\n');
    expect(lines[0]).toBe('suite kernels — adapter: google swiftshader');
    expect(lines[1]).toMatch(/^op\s+layer\s+N\s+in→out\s+GFLOP\s+ours ms/);
    expect(lines).toHaveLength(6);
    expect(lines[3]).toMatch(/^matmul\s+q,o\s+256\s+576→576\s+0\.170\s+10\.00\s+16\.99\s+20\.00\s+8\.49\s+40\.00\s+4\.25\s+2\.00\s+4\.00\s+0\.0e\+0\s+0\.0e\+0$/);
    expect(lines[4]).toMatch(/^lora\s+down\s+256\s+1536→576\s+0\.470\s+.*\s+0\.50\s+4\.00\s/);
    expect(lines[5]).toMatch(/^geomean ours\/jax-js 1\.00\s+ours\/tfjs 4\.00/);
  });
  test('a missing peer prints "-" instead of numbers', () => {
    const res: SuiteResult = {
      suite: 'kernels', quick: true, userAgent: '', startedAt: '', durationMs: 1,
      adapters: { ours: 'a', 'jax-js': 'a', tfjs: 'a' }, rows: [row({ ours: 10 })],
    };
    const line = formatReport(res).split('\n')[3];
    expect(line.trim().split(/\s+/).slice(7)).toEqual(['-', '-', '-', '-', '-', '-', '-', '-']);
  });
});

describe('agreement check', () => {
  test('flags a peer off by more than 1e-3 of the output scale, vs ours and vs the reference', () => {
    const good = row({ ours: 1, 'jax-js': 1 });
    expect(disagreements([good])).toEqual([]);
    const bad = row({ ours: 1, 'jax-js': 1, tfjs: 1 });
    bad.impls.tfjs!.maxAbsDiffVsOurs = 0.5;
    bad.impls.ours!.maxAbsDiffVsRef = Infinity; // NaN output is reported as Infinity
    const msgs = disagreements([bad]);
    expect(msgs).toHaveLength(2);
    expect(msgs[0]).toMatch(/ours vs CPU reference/);
    expect(msgs[1]).toMatch(/tfjs vs ours max\|Δ\| 5\.0e-1 > 3\.0e-3/);
  });
});

describe('sampled-row CPU reference', () => {
  test('sampleRows: first and last row, distinct, sorted, capped by n', () => {
    expect(sampleRows(1)).toEqual([0]);
    expect(sampleRows(3)).toEqual([0, 1, 2]);
    const r = sampleRows(512);
    expect(r).toHaveLength(6);
    expect(r[0]).toBe(0);
    expect(r[r.length - 1]).toBe(511);
    expect([...r].sort((a, b) => a - b)).toEqual(r);
  });
  test('LoRA reference equals x·Wᵀ + s·(x·Aᵀ)·Bᵀ written out by hand', () => {
    const s = spec({ kind: 'lora', n: 2, inF: 3, outF: 2, rank: 1, scale: 2 });
    const d = {
      spec: s,
      x: new Float32Array([1, 2, 3, -1, 0, 1]),
      w: new Float32Array([1, 0, 0, 0, 1, 1]),
      a: new Float32Array([1, 1, 1]),
      b: new Float32Array([1, -1]),
    };
    // row 0: x·Wᵀ = [1, 5]; u = 6; y = [1 + 12, 5 − 12]. row 1: x·Wᵀ = [−1, 1]; u = 0.
    expect([...referenceRows(d, [0, 1])]).toEqual([13, -7, -1, 1]);
    expect([...referenceRows({ ...d, spec: { ...s, kind: 'matmul' } }, [1])]).toEqual([-1, 1]);
  });
  test('reference on generated case data matches a naive full product on the sampled rows', () => {
    const s = spec({ kind: 'lora', n: 9, inF: 5, outF: 4, rank: 2, scale: 0.5 });
    const d = caseData(s, 7);
    const rows = sampleRows(9);
    const ref = referenceRows(d, rows);
    const y = new Float64Array(9 * 4);
    for (let r = 0; r < 9; r++)
      for (let o = 0; o < 4; o++) {
        let acc = 0;
        for (let i = 0; i < 5; i++) acc += d.x[r * 5 + i] * d.w[o * 5 + i];
        for (let k = 0; k < 2; k++) {
          let u = 0;
          for (let i = 0; i < 5; i++) u += d.x[r * 5 + i] * d.a[k * 5 + i];
          acc += 0.5 * u * d.b[o * 2 + k];
        }
        y[r * 4 + o] = acc;
      }
    expect(maxAbsDiffRows(y, ref, rows, 4)).toBeLessThan(1e-12);
    const y2 = y.slice();
    y2[rows[1] * 4 + 3] += 0.25;
    expect(maxAbsDiffRows(y2, ref, rows, 4)).toBeCloseTo(0.25, 10);
    y2[0] = NaN;
    expect(maxAbsDiffRows(y2, ref, rows, 4)).toBe(Infinity);
  });
  test('maxAbsDiff: whole arrays, Infinity on NaN or length mismatch', () => {
    expect(maxAbsDiff([1, 2, 3], [1, 2.5, 2])).toBe(1);
    expect(maxAbsDiff([1], [1, 2])).toBe(Infinity);
    expect(maxAbsDiff([NaN, 0], [0, 0])).toBe(Infinity);
  });
});

describe('command line', () => {
  test('defaults and options', () => {
    expect(parseArgs(['kernels'], '/r')).toEqual({ suite: 'kernels', quick: false, peers: undefined, filter: undefined, out: '/r/bench-results/kernels.json' });
    const a = parseArgs(['kernels', '--quick', '--peers', 'ours,tfjs', '--filter', 'lora down'], '/r');
    expect(a).toMatchObject({ quick: true, peers: ['ours', 'tfjs'], filter: 'lora down', out: '/r/bench-results/kernels-quick-filtered.json' });
    expect(parseArgs(['--out', '/tmp/k.json', 'kernels'], '/r').out).toBe('/tmp/k.json');
  });
  test('bad command lines name the problem', () => {
    expect(() => parseArgs([], '/r')).toThrow(BenchUsageError);
    expect(() => parseArgs(['models'], '/r')).toThrow(/unknown suite "models" \(known: kernels, train-step, embed, profile, counts, all\)/);
    expect(() => parseArgs(['kernels', '--peers', 'ours,onnx'], '/r')).toThrow(/unknown onnx/);
    expect(() => parseArgs(['kernels', '--peers'], '/r')).toThrow(/--peers needs a value/);
    expect(() => parseArgs(['kernels', '--fast'], '/r')).toThrow(/unknown option --fast/);
  });
});
