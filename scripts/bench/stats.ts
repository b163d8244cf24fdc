// Pure parts of the benchmark (Node and browser): the case list, FLOP counting, medians,
// ratios, geometric means, the agreement check and the stdout table. Unit-tested in
// stats.test.ts; nothing here touches a GPU or a clock.

import type { CaseSpec, ImplName, RowResult, SuiteResult } from './types.ts';

/** SmolVLM-256M decoder (SmolLM2-135M): hidden 576, intermediate 1536, 9 q heads / 3 kv
 * heads of 64 → k/v project to 192. One entry per distinct shape of the 7 LoRA targets. */
export const SMOLVLM_256M_LINEARS: readonly { layer: string; inF: number; outF: number }[] = [
  { layer: 'q,o', inF: 576, outF: 576 },
  { layer: 'k,v', inF: 576, outF: 192 },
  { layer: 'gate,up', inF: 576, outF: 1536 },
  { layer: 'down', inF: 1536, outF: 576 },
];
export const LORA_RANK = 16;
/** alpha/r. The DESIGN default is alpha = r (scale 1); 2 makes a peer that forgets the
 * scale disagree visibly instead of coincidentally. */
export const LORA_SCALE = 2;

/** Full suite: N ∈ {256, 512} × 4 shapes × {matmul, lora}. Quick: one small shape. */
export function kernelCases(quick: boolean): CaseSpec[] {
  const mk = (kind: CaseSpec['kind'], layer: string, n: number, inF: number, outF: number): CaseSpec => ({
    id: `${kind} ${layer} N=${n}`,
    kind,
    layer,
    n,
    inF,
    outF,
    rank: kind === 'lora' ? LORA_RANK : 0,
    scale: kind === 'lora' ? LORA_SCALE : 1,
  });
  if (quick) return [mk('matmul', 'k,v', 64, 576, 192), mk('lora', 'k,v', 64, 576, 192)];
  const out: CaseSpec[] = [];
  for (const kind of ['matmul', 'lora'] as const)
    for (const n of [256, 512]) for (const s of SMOLVLM_256M_LINEARS) out.push(mk(kind, s.layer, n, s.inF, s.outF));
  return out;
}

/** matmul: 2·N·in·out. LoRA: + 2·N·in·r (u = x·Aᵀ) + 2·N·r·out (u·Bᵀ). The scale and the
 * final add are O(N·out) and not counted (they are not multiply-accumulates of the GEMMs). */
export function caseFlops(s: Pick<CaseSpec, 'kind' | 'n' | 'inF' | 'outF' | 'rank'>): number {
  const base = 2 * s.n * s.inF * s.outF;
  return s.kind === 'lora' ? base + 2 * s.n * s.inF * s.rank + 2 * s.n * s.rank * s.outF : base;
}

/** GFLOP/s from a FLOP count and milliseconds (flops / (ms·1e-3) / 1e9 = flops / ms / 1e6). */
export function gflops(flops: number, ms: number): number {
  if (!(ms > 0)) throw new RangeError(`gflops: time must be > 0 ms, got ${ms}`);
  return flops / ms / 1e6;
}

/** Median of a non-empty sample (mean of the two middle values for even lengths). */
export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new RangeError('median of an empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Geometric mean of positive finite values; NaN when there are none. */
export function geomean(xs: readonly number[]): number {
  const ok = xs.filter((x) => Number.isFinite(x) && x > 0);
  if (ok.length === 0) return NaN;
  return Math.exp(ok.reduce((acc, x) => acc + Math.log(x), 0) / ok.length);
}

/** Speed ratio ours ÷ peer in GFLOP/s (> 1: ours is faster). NaN if either is missing. */
export function speedRatio(row: RowResult, peer: ImplName): number {
  const o = row.impls.ours?.gflops;
  const p = row.impls[peer]?.gflops;
  return o !== undefined && p !== undefined && p > 0 ? o / p : NaN;
}

export function geomeanRatio(rows: readonly RowResult[], peer: ImplName): number {
  return geomean(rows.map((r) => speedRatio(r, peer)));
}

/** Tolerance for "the same computation": f32 sums of ≤1536 products of O(1) terms drift by
 * ~1e-5 relative between summation orders; 1e-3 of the output scale leaves a wide margin yet
 * catches a transposed weight, a missing LoRA scale or a dropped term (all O(1) errors). */
export const AGREE_RTOL = 1e-3;

/** Human-readable disagreements (empty when every implementation matches). */
export function disagreements(rows: readonly RowResult[]): string[] {
  const bad: string[] = [];
  for (const r of rows) {
    const tol = AGREE_RTOL * Math.max(1, r.refMaxAbs);
    for (const t of Object.values(r.impls)) {
      if (!t) continue;
      if (!(t.maxAbsDiffVsRef <= tol)) bad.push(`${r.spec.id}: ${t.impl} vs CPU reference max|Δ| ${fmtExp(t.maxAbsDiffVsRef)} > ${fmtExp(tol)}`);
      if (t.maxAbsDiffVsOurs !== null && !(t.maxAbsDiffVsOurs <= tol))
        bad.push(`${r.spec.id}: ${t.impl} vs ours max|Δ| ${fmtExp(t.maxAbsDiffVsOurs)} > ${fmtExp(tol)}`);
    }
  }
  return bad;
}

const fmtExp = (x: number | null | undefined) => (x === null || x === undefined || Number.isNaN(x) ? '-' : x.toExponential(1));
const fmtNum = (x: number | undefined, digits: number) => (x === undefined || !Number.isFinite(x) ? '-' : x.toFixed(digits));

/** Fixed-width text table, columns right-aligned except the first three. */
export function renderTable(header: readonly string[], body: readonly (readonly string[])[], leftCols = 3): string {
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (c < leftCols ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

/** The stdout report: adapter, one row per case, then the geometric means. */
export function formatReport(res: SuiteResult): string {
  const header = ['op', 'layer', 'N', 'in→out', 'GFLOP', 'ours ms', 'ours GF/s', 'jax ms', 'jax GF/s', 'tf ms', 'tf GF/s', 'ours/jax', 'ours/tf', '|Δ|jax', '|Δ|tf'];
  const body = res.rows.map((r) => {
    const o = r.impls.ours, j = r.impls['jax-js'], t = r.impls.tfjs;
    return [
      r.spec.kind,
      r.spec.layer,
      String(r.spec.n),
      `${r.spec.inF}→${r.spec.outF}`,
      (r.flops / 1e9).toFixed(3),
      fmtNum(o?.medianMs, 2),
      fmtNum(o?.gflops, 2),
      fmtNum(j?.medianMs, 2),
      fmtNum(j?.gflops, 2),
      fmtNum(t?.medianMs, 2),
      fmtNum(t?.gflops, 2),
      fmtNum(speedRatio(r, 'jax-js'), 2),
      fmtNum(speedRatio(r, 'tfjs'), 2),
      fmtExp(j?.maxAbsDiffVsOurs),
      fmtExp(t?.maxAbsDiffVsOurs),
    ];
  });
  const adapters = [...new Set(Object.values(res.adapters))];
  return [
    `suite ${res.suite}${res.quick ? ' (quick)' : ''} — adapter: ${adapters.join(' | ')}`,
    renderTable(header, body),
    `geomean ours/jax-js ${fmtNum(geomeanRatio(res.rows, 'jax-js'), 2)}   ours/tfjs ${fmtNum(geomeanRatio(res.rows, 'tfjs'), 2)}` +
      `   (ratio = ours GFLOP/s ÷ peer GFLOP/s, > 1 means ours is faster; |Δ| = max abs diff vs ours)`,
  ].join('\n');
}
