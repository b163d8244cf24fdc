// Suite "profile", pure parts: the per-op FLOP/byte model, the Proxy's tagging, the family
// table (share, rate, fraction of peak). GPU timestamps themselves run in the bench page.
import { describe, expect, test } from 'vitest';
import type { GpuOps } from '../../../src/engine/model/decoder/gpu_ops.ts';
import { meterOps, opCost } from './meter.ts';
import { familyTable, formatProfileReport, peakGflops, type ProfileResult } from './result.ts';

const t = (shape: number[]) => ({ shape, size: shape.reduce((a, b) => a * b, 1), buffer: {} });

describe('op cost model', () => {
  test('linear: 2·N·in·out, plus 2·N·r·(in+out) with LoRA', () => {
    expect(opCost('linear', [t([8, 6]), null, t([8, 4]), t([6, 4]), null, null, 0]).flops).toBe(2 * 8 * 4 * 6);
    expect(opCost('linear', [t([8, 6]), t([8, 2]), t([8, 4]), t([6, 4]), t([2, 4]), t([6, 2]), 2]).flops).toBe(2 * 8 * 4 * 6 + 2 * 8 * 2 * 10);
  });
  test('linearBackward: dx only for a frozen base; LoRA adds dB, du, dA and its dx part', () => {
    const [dy, x, W] = [t([8, 6]), t([8, 4]), t([6, 4])];
    expect(opCost('linearBackward', [{ dx: t([8, 4]), dW: null, dA: null, dB: null }, dy, x, null, W, null, null, 0]).flops).toBe(2 * 8 * 4 * 6);
    const lora = opCost('linearBackward', [{ dx: t([8, 4]), dW: null, dA: t([2, 4]), dB: t([6, 2]) }, dy, x, t([8, 2]), W, t([2, 4]), t([6, 2]), 2]);
    expect(lora.flops).toBe(2 * 8 * 4 * 6 + 2 * 8 * 2 * (2 * 6 + 4 + 4));
  });
  test('causal attention counts the lower triangle; backward 2.5× forward', () => {
    const q = t([2 * 5, 3 * 4]), lse = t([2, 3, 5]);
    const f = opCost('attention', [t([10, 12]), lse, q, t([10, 4]), t([10, 4]), null, true]).flops;
    expect(f).toBe(2 * 2 * 3 * 5 * 5 * 4);
    const g = { dq: q, dk: t([10, 4]), dv: t([10, 4]) };
    expect(opCost('attentionBackward', [g, q, q, t([10, 4]), t([10, 4]), q, lse, null, true]).flops).toBe(2.5 * f);
  });
  test('memory-bound ops: no FLOPs, 4 bytes per element of every tensor argument', () => {
    const c = opCost('rmsNorm', [t([8, 6]), t([8]), t([8, 6]), t([6]), 1e-5]);
    expect(c).toEqual({ op: 'rmsNorm', flops: 0, bytes: 4 * (48 + 8 + 48 + 6) });
  });
});

test('meterOps tags every compute call and leaves allocation alone', () => {
  const tags: string[] = [];
  const fake = { empty: (s: number[]) => t(s), add: () => tags.push('ran'), free: () => {} } as unknown as GpuOps;
  const { ops, calls } = meterOps(fake, (tag) => tags.push(tag));
  const a = (ops as unknown as { empty: (s: number[]) => ReturnType<typeof t> }).empty([4]);
  (ops as unknown as { add: (...x: unknown[]) => void }).add(a, a, a);
  expect(calls).toEqual([{ op: 'add', flops: 0, bytes: 48 }]);
  expect(tags).toEqual(['add#0', 'ran', '']);
});

test('family table: sorted by time, share, GF/s vs the matmul peak, GB/s vs the bandwidth', () => {
  const r: ProfileResult = {
    suite: 'profile', quick: true, userAgent: '', adapter: 'google swiftshader', features: ['subgroups', 'timestamp-query'], timestampQuery: true,
    startedAt: '', durationMs: 1,
    peak: { matmul: [{ shape: 'a', ms: 1, gflops: 2 }, { shape: 'b', ms: 1, gflops: 4 }], bandwidth: { bytes: 1e6, ms: 1, gbs: 1 } },
    rmsnormExperiment: [{ rows: 256, H: 192, oursMs: 50, rowwiseMs: 5, maxAbsDiff: 1e-7 }],
    step: {
      config: 'cfg', kernelMs: 100, dispatches: 3, kernels: [{ kernel: 'matmul', dispatches: 2, ms: 80 }],
      families: [{ family: 'rmsNorm', calls: 1, dispatches: 1, ms: 20, flops: 0, bytes: 5e6 }, { family: 'linear', calls: 2, dispatches: 2, ms: 80, flops: 160e6, bytes: 0 }],
    },
  };
  expect(peakGflops(r)).toBe(4);
  const rows = familyTable(r);
  expect(rows.map((x) => x.row.family)).toEqual(['linear', 'rmsNorm']);
  expect(rows[0]).toMatchObject({ share: 0.8, rate: '2.00 GF/s', ofPeak: 0.5 });
  expect(rows[1]).toMatchObject({ share: 0.2, rate: '0.25 GB/s', ofPeak: 0.25 });
  const s = formatProfileReport(r);
  expect(s).toContain('timestamp-query available');
  expect(s).toContain('256×192: ours 50.00 ms, row-per-thread 5.00 ms (10.0× faster), max |Δ| 1.0e-7');
  expect(s).toMatch(/^linear\s+2\s+2\s+80\.0\s+80\.0%\s+2\.00 GF\/s\s+50%$/m);
});
