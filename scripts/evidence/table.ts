/**
 * The evidence table: flattening a row's EvalReport into columns, the terminal and Markdown
 * tables, and the three claims of the paper checked against the numbers. Pure (Node tests).
 *
 * Public API:
 *   COLUMNS                              { key, head } in table order (16 columns)
 *   flatten(r: EvalReport) → Record<key, number>     fractions in [0, 1] (NaN: no items)
 *   itemCounts(r) → Record<key, number>  how many items each column averages over
 *   formatTable(rows) → string           fixed-width, percentages, for the terminal
 *   markdownTable(rows) → string
 *   checkClaims(rows) → Claim[]          three claims, each with a verdict and a sentence
 *
 * Verdicts compare two rows' accuracies with a 2-standard-error rule (binomial SE of each
 * rate, independent approximation): 'supported' when the claimed direction wins by more
 * than 2 SE, 'contradicted' when the other row wins by more than 2 SE, else 'inconclusive'.
 * "Wide margin" (claim 1, retrieval R@1/5/10 both ways) additionally needs a mean gain of
 * ≥ 5 points AND at least twice the zero-shot mean (chance R@1 of 250-way retrieval is 0.4 %,
 * so absolute gains are small at this scale while relative ones are not). With a few hundred items, differences of a
 * few points are inside the noise — the sentences say so.
 */
import type { EvalReport } from '../../src/engine/eval/synthetic_eval.ts';
import { ROWS, type RowId } from './rows.ts';

const CATS = ['replace-obj', 'replace-att', 'replace-rel', 'swap-obj', 'swap-att', 'add-obj', 'add-att'] as const;

export const COLUMNS: readonly { key: string; head: string }[] = [
  ...[1, 5, 10].map((k) => ({ key: `t2i@${k}`, head: `T→I@${k}` })),
  ...[1, 5, 10].map((k) => ({ key: `i2t@${k}`, head: `I→T@${k}` })),
  ...CATS.map((c) => ({ key: c, head: c })),
  { key: 'wino-text', head: 'W-text' }, { key: 'wino-image', head: 'W-image' }, { key: 'wino-group', head: 'W-group' },
];

export function flatten(r: EvalReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const k of [1, 5, 10]) out[`t2i@${k}`] = r.retrieval.textToImage[k];
  for (const k of [1, 5, 10]) out[`i2t@${k}`] = r.retrieval.imageToText[k];
  for (const c of CATS) out[c] = r.sugarcrepe.perCategory[c]?.accuracy ?? NaN;
  out['wino-text'] = r.winoground.text;
  out['wino-image'] = r.winoground.image;
  out['wino-group'] = r.winoground.group;
  return out;
}

export function itemCounts(r: EvalReport): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of COLUMNS) out[c.key] = c.key.startsWith('t2i') || c.key.startsWith('i2t') ? r.retrieval.images
    : c.key.startsWith('wino') ? r.winoground.n : (r.sugarcrepe.perCategory[c.key as (typeof CATS)[number]]?.total ?? 0);
  return out;
}

export interface TableRow {
  id: RowId;
  report: EvalReport;
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');
const labelOf = (id: RowId) => ROWS.find((r) => r.id === id)?.label ?? id;

export function formatTable(rows: readonly TableRow[]): string {
  const w0 = Math.max(...rows.map((r) => r.id.length), 'row'.length);
  const widths = COLUMNS.map((c) => Math.max(c.head.length, 5));
  const line = (first: string, cells: string[]) => [first.padEnd(w0), ...cells.map((c, i) => c.padStart(widths[i]))].join('  ');
  const out = [line('row', COLUMNS.map((c) => c.head))];
  out.push('-'.repeat(out[0].length));
  for (const r of rows) {
    const f = flatten(r.report);
    out.push(line(r.id, COLUMNS.map((c) => pct(f[c.key]))));
  }
  return out.join('\n');
}

export function markdownTable(rows: readonly TableRow[]): string {
  const head = `| row | ${COLUMNS.map((c) => c.head).join(' | ')} |`;
  const sep = `|---|${COLUMNS.map(() => '---:').join('|')}|`;
  const body = rows.map((r) => {
    const f = flatten(r.report);
    return `| ${labelOf(r.id)} | ${COLUMNS.map((c) => pct(f[c.key])).join(' | ')} |`;
  });
  return [head, sep, ...body].join('\n');
}

export type Verdict = 'supported' | 'contradicted' | 'inconclusive' | 'not run';

export interface Claim {
  id: 'tuning-beats-prompting' | 'next-token-helps-compositional' | 'lvlm-beats-clip-on-swaps';
  claim: string;
  verdict: Verdict;
  /** Claimed-better minus other, in points (percent), per compared column and averaged. */
  diffs: Record<string, number>;
  meanDiff: number;
  /** Two standard errors of meanDiff, in points. */
  twoSe: number;
  text: string;
}

/** Mean difference (a − b) over columns, with its SE (independent binomial rates). */
function compare(a: EvalReport, b: EvalReport, cols: string[]): { diffs: Record<string, number>; meanDiff: number; twoSe: number } {
  const fa = flatten(a), fb = flatten(b), na = itemCounts(a), nb = itemCounts(b);
  const used = cols.filter((c) => Number.isFinite(fa[c]) && Number.isFinite(fb[c]) && na[c] > 0 && nb[c] > 0);
  const diffs: Record<string, number> = {};
  let varSum = 0;
  for (const c of used) {
    diffs[c] = 100 * (fa[c] - fb[c]);
    varSum += (fa[c] * (1 - fa[c])) / na[c] + (fb[c] * (1 - fb[c])) / nb[c];
  }
  const k = used.length;
  const meanDiff = k ? Object.values(diffs).reduce((s, x) => s + x, 0) / k : NaN;
  return { diffs, meanDiff, twoSe: k ? (200 * Math.sqrt(varSum)) / k : NaN };
}

const sign = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(1)}`;

function verdict(meanDiff: number, twoSe: number, wide = true): Verdict {
  if (!Number.isFinite(meanDiff)) return 'not run';
  // a floor of 0.5 points: with zero variance (all 0 % or all 100 %) nothing is "significant" by a hair
  const band = Math.max(twoSe, 0.5);
  if (meanDiff > band && wide) return 'supported';
  if (meanDiff < -band) return 'contradicted';
  return 'inconclusive';
}

export function checkClaims(rows: readonly TableRow[]): Claim[] {
  const get = (id: RowId) => rows.find((r) => r.id === id)?.report ?? null;
  const out: Claim[] = [];
  type Cmp = ReturnType<typeof compare> & { meanA: number; meanB: number };
  const make = (id: Claim['id'], claim: string, a: RowId, b: RowId, cols: string[], wide: (c: Cmp) => boolean, describe: (c: Cmp, v: Verdict) => string) => {
    const ra = get(a), rb = get(b);
    if (!ra || !rb) {
      out.push({ id, claim, verdict: 'not run', diffs: {}, meanDiff: NaN, twoSe: NaN, text: `Not evaluated: rows ${[a, b].filter((x) => !get(x)).join(', ')} were not run.` });
      return;
    }
    const fa = flatten(ra), fb = flatten(rb);
    const c = compare(ra, rb, cols);
    const used = Object.keys(c.diffs);
    const avg = (f: Record<string, number>) => (100 * used.reduce((s, k) => s + f[k], 0)) / Math.max(1, used.length);
    const cmp: Cmp = { ...c, meanA: avg(fa), meanB: avg(fb) };
    const v = verdict(c.meanDiff, c.twoSe, wide(cmp));
    out.push({ id, claim, verdict: v, ...c, text: describe(cmp, v) });
  };
  const per = (d: Record<string, number>) => Object.entries(d).map(([k, x]) => `${k} ${sign(x)}`).join(', ');

  make('tuning-beats-prompting', 'Tuning beats prompting by a wide margin (VladVA vs zero-shot).', 'vladva', 'zero-shot',
    ['t2i@1', 't2i@5', 't2i@10', 'i2t@1', 'i2t@5', 'i2t@10'], (c) => c.meanDiff >= 5 && c.meanA >= 2 * c.meanB,
    (c, v) => `VladVA minus zero-shot prompting on retrieval: ${per(c.diffs)} points (mean ${sign(c.meanDiff)} ± ${c.twoSe.toFixed(1)} at 2 SE; ` +
      `mean recall ${c.meanA.toFixed(1)} % vs ${c.meanB.toFixed(1)} %). ` +
      (v === 'supported' ? 'Tuning wins by a wide margin (≥ 5 points and ≥ 2× the zero-shot recall, outside the noise).'
        : v === 'contradicted' ? 'Prompting the base model does better than the tuned one here.'
          : c.meanDiff > Math.max(c.twoSe, 0.5) ? 'Tuning helps beyond the noise, but by less than the "wide margin" threshold (≥ 5 points and ≥ 2×).'
            : 'No difference beyond the noise.'));
  make('next-token-helps-compositional', 'The next-token loss helps compositional categories (VladVA vs the same without it).', 'vladva', 'no-next-token',
    [...CATS, 'wino-group'], () => true,
    (c, v) => `With minus without the next-token loss, per probe category: ${per(c.diffs)} points (mean ${sign(c.meanDiff)} ± ${c.twoSe.toFixed(1)}). ` +
      (v === 'supported' ? 'The autoregressive loss helps on average, beyond the noise.'
        : v === 'contradicted' ? 'Here the contrastive-only run is better on average: the claim does not reproduce at this scale.'
          : 'The average difference is inside the noise: at this scale and budget the claim is neither confirmed nor refuted.'));
  make('lvlm-beats-clip-on-swaps', 'The tuned LVLM beats a same-data CLIP on swap categories.', 'vladva', 'clip',
    ['swap-obj', 'swap-att', 'wino-group'], () => true,
    (c, v) => `VladVA minus the from-scratch CLIP: ${per(c.diffs)} points (mean ${sign(c.meanDiff)} ± ${c.twoSe.toFixed(1)}). ` +
      (v === 'supported' ? 'The tuned LVLM is better at swaps, beyond the noise.'
        : v === 'contradicted' ? 'The same-data CLIP is better at swaps here.'
          : 'No difference beyond the noise.'));
  return out;
}
