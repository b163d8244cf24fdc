// Result shape, agreement checks and the printed report of suite "train-step" (pure TS, used
// by the page and the Node runner; unit-tested in train.test.ts).
import { formatCounts, type GpuCounts } from '../../../src/engine/gpu/counters.ts';
import { formatProbe, type ProbeRow } from '../../../src/engine/kernels/matmul/path_cache.ts';
import { formatNormProbe, type NormProbeRow } from '../../../src/engine/kernels/norm/path_cache.ts';
import type { ImplName } from '../types.ts';
import type { MemoryRow } from './memory.ts';

export interface TrainImplResult {
  impl: ImplName;
  samplesMs: number[];
  medianMs: number;
  /** CE loss of step 1 (same init for every peer). */
  loss1: number;
  /** vs ours: |loss − loss_ours| / |loss_ours|, and the step-1 parameter CHANGE compared
   * relatively: max |Δp − Δp_ours| / max |Δp_ours| over all LoRA params (updateRelDiff). */
  lossRelDiffVsOurs: number | null;
  updateRelDiffVsOurs: number | null;
}

export interface TrainStepResult {
  suite: 'train-step';
  config: string;
  flopsPerStep: number;
  userAgent: string;
  adapters: Partial<Record<ImplName, string>>;
  startedAt: string;
  durationMs: number;
  impls: TrainImplResult[];
  /** ours: peak live bytes of the pool during the timed steps, above the resident weights/optimizer state. */
  oursPeakStepBytes: number;
  oursResidentBytes: number;
  /** ours: median of 3 phase-synced steps. */
  oursPhasesMs: { forwardMs: number; backwardMs: number; adamwMs: number } | null;
  /** ours: what one step asks of the GPU API (dispatches, submits, buffers created, bytes up/read, JS encode ms). */
  oursCounts?: GpuCounts | null;
  /** ours: matmul kernel per GEMM shape, from a timed probe after step 1 (kernels/matmul/choice.ts). */
  kernelChoice?: ProbeRow[];
  /** ours: norm kernels ('rows' | 'workgroup') per norm shape, from a timed probe after step 1 (kernels/norm/choice.ts). */
  normChoice?: NormProbeRow[];
  memory: { model: string; rows: MemoryRow[] } | null;
  host?: { cpus: number; loadavg1Before: number; loadavg1After: number };
}

/** Tolerances of the pre-timing agreement check. The update is compared relative to our own
 * update (an absolute 1e-3 against updates of ~lr = 1e-4 would pass a peer that skipped it). */
export const TRAIN_TOL = { lossRel: 1e-3, updateRel: 1e-2 } as const;

export type ParamMap = Map<string, Float32Array>;

function checkSameSet(a: ParamMap, b: ParamMap): void {
  for (const [k, va] of a) {
    const vb = b.get(k);
    if (!vb || vb.length !== va.length) throw new Error(`train-step: parameter ${k} missing or of a different size (${va.length} vs ${vb?.length ?? 'none'})`);
  }
  if (a.size !== b.size) throw new Error(`train-step: ${a.size} vs ${b.size} parameters`);
}

/** The step's parameter changes of a peer vs ours (every map keyed alike, before/after step 1):
 * max |Δ − Δ_ours| / max |Δ_ours|. A skipped update gives 1, a halved one 0.5. Throws when our
 * own update is zero (nothing to compare against) or the tensor sets differ. */
export function updateRelDiff(before: ParamMap, after: ParamMap, oursBefore: ParamMap, oursAfter: ParamMap): number {
  for (const m of [after, oursBefore, oursAfter]) checkSameSet(before, m);
  let diff = 0, scale = 0;
  for (const [k, b] of before) {
    const a = after.get(k)!, ob = oursBefore.get(k)!, oa = oursAfter.get(k)!;
    for (let i = 0; i < b.length; i++) {
      const dOurs = oa[i] - ob[i];
      scale = Math.max(scale, Math.abs(dOurs));
      diff = Math.max(diff, Math.abs(a[i] - b[i] - dOurs));
    }
  }
  if (!(scale > 0)) throw new Error('train-step: our step 1 changed no parameter; the update check has nothing to compare against');
  return diff / scale;
}

export function trainDisagreements(r: TrainStepResult): string[] {
  const bad: string[] = [];
  for (const i of r.impls) {
    if (i.lossRelDiffVsOurs !== null && !(i.lossRelDiffVsOurs <= TRAIN_TOL.lossRel)) bad.push(`${i.impl}: step-1 loss differs from ours by ${i.lossRelDiffVsOurs.toExponential(2)} (relative)`);
    if (i.updateRelDiffVsOurs !== null && !(i.updateRelDiffVsOurs <= TRAIN_TOL.updateRel)) bad.push(`${i.impl}: its step-1 LoRA update differs from ours by ${i.updateRelDiffVsOurs.toExponential(2)} of our largest change (max relative)`);
  }
  return bad;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function formatTrainStepReport(r: TrainStepResult): string {
  const lines = [`train-step: ${r.config}`, ...Object.entries(r.adapters).map(([k, v]) => `  adapter (${k}): ${v}`), ''];
  const ours = r.impls.find((i) => i.impl === 'ours');
  lines.push('impl     ms/step (median)  n   GF/s   ours/impl  loss@1     Δloss rel  Δupdate rel'); // ours/impl = ratio of ms/step: < 1 means ours is faster
  for (const i of r.impls) {
    const ratio = ours && i.impl !== 'ours' ? (ours.medianMs / i.medianMs).toFixed(2) : '—';
    lines.push([
      i.impl.padEnd(8), i.medianMs.toFixed(1).padStart(16), String(i.samplesMs.length).padStart(3),
      (r.flopsPerStep / i.medianMs / 1e6).toFixed(2).padStart(6), ratio.padStart(10), i.loss1.toFixed(5).padStart(9),
      (i.lossRelDiffVsOurs === null ? '—' : i.lossRelDiffVsOurs.toExponential(1)).padStart(10),
      (i.updateRelDiffVsOurs === null ? '—' : i.updateRelDiffVsOurs.toExponential(1)).padStart(12),
    ].join(' '));
  }
  lines.push('', `ours: peak GPU memory of one step ${mib(r.oursPeakStepBytes)} above ${mib(r.oursResidentBytes)} resident (weights + LoRA + AdamW state)`);
  if (r.oursPhasesMs) {
    const p = r.oursPhasesMs;
    lines.push(`ours, synced per phase: forward ${p.forwardMs.toFixed(0)} ms, backward ${p.backwardMs.toFixed(0)} ms, AdamW ${p.adamwMs.toFixed(0)} ms`);
  }
  if (r.oursCounts) lines.push(`ours, counts per step: ${formatCounts(r.oursCounts)}`);
  if (r.kernelChoice?.length) {
    lines.push(`ours, kernel choice by measurement (per GEMM shape, M×N×K, this adapter): ${r.kernelChoice.filter((k) => k.chosen === 'tiled').length} tiled, ${r.kernelChoice.filter((k) => k.chosen === 'direct').length} direct`);
    for (const l of formatProbe(r.kernelChoice)) lines.push(`  ${l}`);
  }
  if (r.normChoice?.length) {
    const n = (p: string) => r.normChoice!.filter((k) => k.chosen === p).length;
    lines.push(`ours, norm path by measurement (per norm shape, rows×H, this adapter): ${n('rows')} rows, ${n('workgroup')} workgroup`);
    for (const l of formatNormProbe(r.normChoice)) lines.push(`  ${l}`);
  }
  if (r.memory) {
    lines.push('', `VladVA contrastive step, ${r.memory.model}:`, 'batch  chunk  peak MiB   vs no caching   ms');
    for (const row of r.memory.rows) {
      const full = r.memory.rows.find((x) => x.batch === row.batch && x.chunk === row.batch);
      lines.push(`${String(row.batch).padStart(5)} ${String(row.chunk).padStart(6)} ${(row.peakBytes / 2 ** 20).toFixed(1).padStart(9)} ${(full ? (row.peakBytes / full.peakBytes).toFixed(2) : '—').padStart(15)} ${row.ms.toFixed(0).padStart(6)}`);
    }
  }
  return lines.join('\n');
}
