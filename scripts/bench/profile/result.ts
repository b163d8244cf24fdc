// Result shape and printed tables of suite "profile" (pure TS; page + Node runner; unit-tested
// in profile.test.ts). Fraction of peak: GF/s ÷ the best matmul GF/s measured on this adapter
// (compute-bound families), GB/s ÷ the bandwidth of a large elementwise add (memory-bound ones).

export interface FamilyRow {
  family: string; // decoder op (linear, attentionBackward, …) or, outside ops, the kernel name
  calls: number;
  dispatches: number;
  ms: number; // Σ GPU time of its dispatches (timestamps)
  flops: number; // useful FLOPs (meter.ts cost model); 0 for memory-bound ops
  bytes: number; // tensor bytes touched (each argument once)
}

export interface ProfileResult {
  suite: 'profile';
  quick: boolean;
  userAgent: string;
  adapter: string;
  /** Every GPUFeatureName the adapter reports, sorted. */
  features: string[];
  timestampQuery: boolean;
  startedAt: string;
  durationMs: number;
  peak: {
    matmul: { shape: string; ms: number; gflops: number }[];
    bandwidth: { bytes: number; ms: number; gbs: number };
  };
  /** RMSNorm forward, ours vs a one-invocation-per-row kernel (GPU ms, median). */
  rmsnormExperiment: { rows: number; H: number; oursMs: number; rowwiseMs: number; maxAbsDiff: number }[];
  step: { config: string; kernelMs: number; dispatches: number; families: FamilyRow[]; kernels: { kernel: string; dispatches: number; ms: number }[] };
  host?: { cpus: number; loadavg1Before: number; loadavg1After: number };
}

export function peakGflops(r: ProfileResult): number {
  return Math.max(...r.peak.matmul.map((m) => m.gflops));
}

/** Rows sorted by time, with share of the step and rate / fraction of peak. */
export function familyTable(r: ProfileResult): { row: FamilyRow; share: number; rate: string; ofPeak: number }[] {
  const peak = peakGflops(r), bw = r.peak.bandwidth.gbs;
  return [...r.step.families].sort((a, b) => b.ms - a.ms).map((row) => {
    const compute = row.flops > 0;
    if (!compute && row.bytes === 0) return { row, share: row.ms / r.step.kernelMs, rate: '—', ofPeak: NaN }; // launched outside the decoder ops (AdamW): no cost model
    const v = compute ? row.flops / row.ms / 1e6 : row.bytes / row.ms / 1e6;
    return { row, share: row.ms / r.step.kernelMs, rate: `${v.toFixed(2)} ${compute ? 'GF/s' : 'GB/s'}`, ofPeak: compute ? v / peak : v / bw };
  });
}

export function formatProfileReport(r: ProfileResult): string {
  const L = [`profile: adapter ${r.adapter}; timestamp-query ${r.timestampQuery ? 'available (per-dispatch GPU timestamps)' : 'MISSING'}`];
  L.push(`  adapter features: ${r.features.join(', ') || '(none)'}`, '', 'peak (our kernels, best of):');
  for (const m of r.peak.matmul) L.push(`  matmul ${m.shape.padEnd(16)} ${m.ms.toFixed(1).padStart(8)} ms  ${m.gflops.toFixed(2).padStart(6)} GF/s`);
  const b = r.peak.bandwidth;
  L.push(`  add ${(b.bytes / 2 ** 20).toFixed(0)} MiB moved     ${b.ms.toFixed(1).padStart(8)} ms  ${b.gbs.toFixed(2).padStart(6)} GB/s`);
  L.push(`  → peak ${peakGflops(r).toFixed(2)} GF/s, ${b.gbs.toFixed(2)} GB/s`, '');
  L.push(`one training step (${r.step.config}), GPU time per op family, ${r.step.dispatches} dispatches, Σ ${r.step.kernelMs.toFixed(0)} ms:`);
  L.push('family                  calls  disp      ms  share   rate          of peak');
  for (const { row, share, rate, ofPeak } of familyTable(r)) {
    L.push(`${row.family.padEnd(22)} ${String(row.calls).padStart(6)} ${String(row.dispatches).padStart(5)} ${row.ms.toFixed(1).padStart(7)} ${(share * 100).toFixed(1).padStart(5)}%  ${rate.padEnd(13)} ${Number.isNaN(ofPeak) ? '    —' : `${(ofPeak * 100).toFixed(0).padStart(5)}%`}`);
  }
  if (r.rmsnormExperiment.length) {
    L.push('', 'experiment — RMSNorm forward, ours (workgroup per row, barriers) vs one invocation per row:');
    for (const e of r.rmsnormExperiment) L.push(`  ${e.rows}×${e.H}: ours ${e.oursMs.toFixed(2)} ms, row-per-thread ${e.rowwiseMs.toFixed(2)} ms (${(e.oursMs / e.rowwiseMs).toFixed(1)}× faster), max |Δ| ${e.maxAbsDiff.toExponential(1)}`);
  }
  L.push('', 'top kernels:');
  for (const k of [...r.step.kernels].sort((a, b) => b.ms - a.ms).slice(0, 8)) L.push(`  ${k.kernel.padEnd(36)} ${String(k.dispatches).padStart(5)} × ${(k.ms / k.dispatches).toFixed(2).padStart(7)} ms = ${k.ms.toFixed(0).padStart(6)} ms`);
  return L.join('\n');
}
