// Pure parts of suite "counts": the table and the pool-growth check (exit 3 when it grows).
import { describe, expect, test } from 'vitest';
import { countsProblems, formatCountsReport, type CountsResult } from './result.ts';

const c = (over: Partial<CountsResult['rows'][number]['counts']> = {}) => ({
  dispatches: 788, submits: 1, buffersCreated: 0, bytesUploaded: 26112, uniformBytes: 201728, bytesRead: 16, reads: 1, encodeMs: 58.5, ...over,
});
function result(after = { liveBuffers: 147, liveBytes: 100, pooledBytes: 5433856 }): CountsResult {
  return {
    suite: 'counts', quick: true, userAgent: '', adapter: 'google swiftshader', startedAt: '', durationMs: 1,
    rows: [{ model: 'discern-tiny', unit: 'VladVA step K=8 chunk 4', counts: c(), ms: 1, kernels: [['matmul_direct4', 103], ['lora_group_u', 32]] }, { model: 'discern-tiny', unit: 'embed 8 texts', counts: c({ dispatches: 48, bytesRead: 2048 }), ms: 1 }],
    pool: [{ model: 'discern-tiny', steps: 3, afterStep1: { liveBuffers: 147, liveBytes: 100, pooledBytes: 5433856 }, afterLast: after }],
  };
}

describe('counts report', () => {
  test('one row per unit with every count; pool line says whether it grew', () => {
    const s = formatCountsReport(result());
    expect(s).toMatch(/^discern-tiny\s+VladVA step K=8 chunk 4\s+788\s+1\s+0\s+25\.5\s+197\.0\s+16\s+1\s+58\.5$/m);
    expect(s).toMatch(/^discern-tiny\s+embed 8 texts\s+48\s+1\s+0\s.*\s2048\s+1\s/m);
    expect(s).toContain('after step 1 147 live buffers, 5306.5 KiB pooled; after step 3 147, 5306.5 KiB — no growth');
    expect(s).toContain('dispatches per kernel, discern-tiny, VladVA step K=8 chunk 4: matmul_direct4 103, lora_group_u 32');
  });
  test('growth in live buffers or pooled bytes is a problem (the runner exits 3)', () => {
    expect(countsProblems(result())).toEqual([]);
    expect(countsProblems(result({ liveBuffers: 148, liveBytes: 100, pooledBytes: 5433856 }))[0]).toMatch(/pool grows from step 1 to step 3 \(147 → 148 live buffers/);
    expect(countsProblems(result({ liveBuffers: 147, liveBytes: 100, pooledBytes: 5434112 }))).toHaveLength(1);
    expect(formatCountsReport(result({ liveBuffers: 150, liveBytes: 1, pooledBytes: 1 }))).toContain('GROWS (leak)');
  });
});
