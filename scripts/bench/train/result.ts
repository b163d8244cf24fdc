// Result shape, agreement checks and the printed report of suite "train-step" (pure TS, used
// by the page and the Node runner; unit-tested in train.test.ts).
import type { ImplName } from '../types.ts';
import type { MemoryRow } from './memory.ts';

export interface TrainImplResult {
  impl: ImplName;
  samplesMs: number[];
  medianMs: number;
  /** CE loss of step 1 (same init for every peer). */
  loss1: number;
  /** vs ours: |loss − loss_ours| / |loss_ours| and max |p − p_ours| over all LoRA params after step 1. */
  lossRelDiffVsOurs: number | null;
  paramMaxAbsDiffVsOurs: number | null;
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
  memory: { model: string; rows: MemoryRow[] } | null;
  host?: { cpus: number; loadavg1Before: number; loadavg1After: number };
}

/** Tolerances of the pre-timing agreement check (brief: ~1e-3). */
export const TRAIN_TOL = { lossRel: 1e-3, paramAbs: 1e-3 } as const;

export function maxAbsDiffMaps(a: Map<string, Float32Array>, b: Map<string, Float32Array>): number {
  let m = 0;
  for (const [k, va] of a) {
    const vb = b.get(k);
    if (!vb || vb.length !== va.length) throw new Error(`train-step: parameter ${k} missing or of a different size (${va.length} vs ${vb?.length ?? 'none'})`);
    for (let i = 0; i < va.length; i++) m = Math.max(m, Math.abs(va[i] - vb[i]));
  }
  if (a.size !== b.size) throw new Error(`train-step: ${a.size} vs ${b.size} parameters`);
  return m;
}

export function trainDisagreements(r: TrainStepResult): string[] {
  const bad: string[] = [];
  for (const i of r.impls) {
    if (i.lossRelDiffVsOurs !== null && !(i.lossRelDiffVsOurs <= TRAIN_TOL.lossRel)) bad.push(`${i.impl}: step-1 loss differs from ours by ${i.lossRelDiffVsOurs.toExponential(2)} (relative)`);
    if (i.paramMaxAbsDiffVsOurs !== null && !(i.paramMaxAbsDiffVsOurs <= TRAIN_TOL.paramAbs)) bad.push(`${i.impl}: updated LoRA params differ from ours by ${i.paramMaxAbsDiffVsOurs.toExponential(2)} (max abs)`);
  }
  return bad;
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

export function formatTrainStepReport(r: TrainStepResult): string {
  const lines = [`train-step: ${r.config}`, ...Object.entries(r.adapters).map(([k, v]) => `  adapter (${k}): ${v}`), ''];
  const ours = r.impls.find((i) => i.impl === 'ours');
  lines.push('impl     ms/step (median)  n   GF/s   ours/impl  loss@1     Δloss rel  Δparam max'); // ours/impl = ratio of ms/step: < 1 means ours is faster
  for (const i of r.impls) {
    const ratio = ours && i.impl !== 'ours' ? (ours.medianMs / i.medianMs).toFixed(2) : '—';
    lines.push([
      i.impl.padEnd(8), i.medianMs.toFixed(1).padStart(16), String(i.samplesMs.length).padStart(3),
      (r.flopsPerStep / i.medianMs / 1e6).toFixed(2).padStart(6), ratio.padStart(10), i.loss1.toFixed(5).padStart(9),
      (i.lossRelDiffVsOurs === null ? '—' : i.lossRelDiffVsOurs.toExponential(1)).padStart(10),
      (i.paramMaxAbsDiffVsOurs === null ? '—' : i.paramMaxAbsDiffVsOurs.toExponential(1)).padStart(11),
    ].join(' '));
  }
  lines.push('', `ours: peak GPU memory of one step ${mib(r.oursPeakStepBytes)} above ${mib(r.oursResidentBytes)} resident (weights + LoRA + AdamW state)`);
  if (r.oursPhasesMs) {
    const p = r.oursPhasesMs;
    lines.push(`ours, synced per phase: forward ${p.forwardMs.toFixed(0)} ms, backward ${p.backwardMs.toFixed(0)} ms, 28 × AdamW ${p.adamwMs.toFixed(0)} ms`);
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
