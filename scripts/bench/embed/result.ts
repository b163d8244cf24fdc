// Result shape, agreement check and printed table of suite "embed" (pure TS; page + Node runner;
// unit-tested in embed.test.ts). Ratio column "ours×" = peer ms ÷ ours ms for the same batch
// (> 1: ours faster), the same sense as the kernels suite's GFLOP/s ratio.
import type { EmbedImplName } from '../types.ts';

export interface EmbedImplResult {
  impl: EmbedImplName;
  /** Wall time of one batch: inputs in → [count,H] embeddings read back on the host. */
  samplesMs: number[];
  medianMs: number;
  /** max |e − e_ours| / max |e_ours| over the batch's embeddings (null for ours). */
  maxRelDiffVsOurs: number | null;
}

export interface EmbedRow {
  kind: 'texts' | 'images';
  count: number; // embeddings per batch
  tokens: number; // B·T rows through the decoder (padding included)
  impls: EmbedImplResult[];
}

export interface EmbedResult {
  suite: 'embed';
  config: string;
  userAgent: string;
  adapters: Partial<Record<EmbedImplName, string>>;
  startedAt: string;
  durationMs: number;
  rows: EmbedRow[];
  host?: { cpus: number; loadavg1Before: number; loadavg1After: number };
}

/** Brief: outputs must equal ours to ≤ 1e-3 relative before any figure is believed. */
export const EMBED_TOL = 1e-3;

export function maxRelDiff(a: ArrayLike<number>, ref: ArrayLike<number>): number {
  if (a.length !== ref.length) return Infinity;
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - ref[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
    s = Math.max(s, Math.abs(ref[i]));
  }
  return s > 0 ? m / s : m === 0 ? 0 : Infinity;
}

export function embedDisagreements(r: EmbedResult): string[] {
  const bad: string[] = [];
  for (const row of r.rows) {
    for (const i of row.impls) {
      if (i.maxRelDiffVsOurs !== null && !(i.maxRelDiffVsOurs <= EMBED_TOL)) {
        bad.push(`${i.impl} ${row.kind}: embeddings differ from ours by ${i.maxRelDiffVsOurs.toExponential(2)} (relative, tolerance ${EMBED_TOL})`);
      }
    }
  }
  return bad;
}

export function formatEmbedReport(r: EmbedResult): string {
  const lines = [`embed: ${r.config}`, ...Object.entries(r.adapters).map(([k, v]) => `  adapter (${k}): ${v}`), ''];
  lines.push('batch   n  tokens  impl        ms/batch   n  items/s  tokens/s  ours×  Δrel');
  for (const row of r.rows) {
    const ours = row.impls.find((i) => i.impl === 'ours');
    for (const i of row.impls) {
      const ratio = ours && i.impl !== 'ours' ? (i.medianMs / ours.medianMs).toFixed(2) : '—';
      lines.push([
        row.kind.padEnd(6), String(row.count).padStart(3), String(row.tokens).padStart(7), ' ' + i.impl.padEnd(10),
        i.medianMs.toFixed(1).padStart(9), String(i.samplesMs.length).padStart(3),
        ((row.count * 1000) / i.medianMs).toFixed(1).padStart(8), ((row.tokens * 1000) / i.medianMs).toFixed(0).padStart(9),
        ratio.padStart(6), i.maxRelDiffVsOurs === null ? '—' : i.maxRelDiffVsOurs.toExponential(1),
      ].join(' '));
    }
  }
  lines.push('', 'ours× = peer ms ÷ ours ms on the same batch (> 1: ours faster); Δrel = max|e − e_ours| ÷ max|e_ours|');
  return lines.join('\n');
}
