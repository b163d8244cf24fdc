// Result shape, printed table and pool-growth check of suite "counts" (pure TS: the Node
// runners print and check it; counts/suite.ts measures it).
import type { GpuCounts } from '../../../src/engine/gpu/counters.ts';

export interface CountsRow {
  model: string;
  /** "VladVA step K=8 chunk 4", "embed 8 texts", "embed 8 images". */
  unit: string;
  counts: GpuCounts;
  ms: number;
  /** Dispatches per kernel name, most first (what the dispatch count is made of). */
  kernels?: [string, number][];
}

export interface PoolState { liveBuffers: number; liveBytes: number; pooledBytes: number }

export interface CountsResult {
  suite: 'counts';
  quick: boolean;
  userAgent: string;
  adapter: string;
  startedAt: string;
  durationMs: number;
  rows: CountsRow[];
  /** Per model: pool after step 1 and after the last of `steps` steps. */
  pool: { model: string; steps: number; afterStep1: PoolState; afterLast: PoolState }[];
  host?: { cpus: number; loadavg1Before: number; loadavg1After: number };
}

const kib = (b: number) => (b / 1024).toFixed(1);

export function formatCountsReport(r: CountsResult): string {
  const lines = [`counts: what one unit of work asks of the GPU API (${r.adapter})`, ''];
  lines.push('model                          unit                         dispatches  submits  buffers created  KiB up  KiB uniforms  bytes read  reads  encode ms');
  for (const x of r.rows) {
    const c = x.counts;
    lines.push([
      x.model.padEnd(30), x.unit.padEnd(28), String(c.dispatches).padStart(10), String(c.submits).padStart(8), String(c.buffersCreated).padStart(16),
      kib(c.bytesUploaded).padStart(7), kib(c.uniformBytes).padStart(13), String(c.bytesRead).padStart(11), String(c.reads).padStart(6), c.encodeMs.toFixed(1).padStart(10),
    ].join(' '));
  }
  lines.push('');
  for (const x of r.rows) {
    if (!x.kernels?.length) continue;
    lines.push(`dispatches per kernel, ${x.model}, ${x.unit}: ${x.kernels.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  }
  lines.push('');
  for (const p of r.pool) {
    const same = p.afterStep1.liveBuffers === p.afterLast.liveBuffers && p.afterStep1.pooledBytes === p.afterLast.pooledBytes;
    lines.push(`pool, ${p.model}: after step 1 ${p.afterStep1.liveBuffers} live buffers, ${kib(p.afterStep1.pooledBytes)} KiB pooled; after step ${p.steps} ${p.afterLast.liveBuffers}, ${kib(p.afterLast.pooledBytes)} KiB — ${same ? 'no growth' : 'GROWS (leak)'}`);
  }
  return lines.join('\n');
}

/** Problems the runner reports as failures (exit 3): pool growth across steps. */
export function countsProblems(r: CountsResult): string[] {
  return r.pool
    .filter((p) => p.afterStep1.liveBuffers !== p.afterLast.liveBuffers || p.afterStep1.pooledBytes !== p.afterLast.pooledBytes)
    .map((p) => `${p.model}: pool grows from step 1 to step ${p.steps} (${p.afterStep1.liveBuffers} → ${p.afterLast.liveBuffers} live buffers, ${p.afterStep1.pooledBytes} → ${p.afterLast.pooledBytes} bytes)`);
}
