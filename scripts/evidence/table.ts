/**
 * The evidence table: flattening a row's EvalReport into columns, the aggregation over seeds
 * (mean ± sample standard deviation per cell), the terminal and Markdown tables, the paper's
 * three claims checked against the per-seed numbers, and the CLIP lr choice. Pure (Node tests).
 *
 * Public API:
 *   COLUMNS, CATS                        { key, head } in table order (16 columns); the 7 SugarCrepe categories
 *   flatten(r: EvalReport) → Record<key, number>     fractions in [0, 1] (NaN: no items)
 *   itemCounts(r) → Record<key, number>  how many items each column averages over
 *   meanSd(xs) → Stat { mean, sd, n }    finite values only; sd = sample sd (n − 1), NaN for n < 2
 *   aggregate(rows) → AggRow[]           one per row id in table order: seeds, per-seed metrics, Stat per column
 *   pairedDiffs(a, b) → { seeds, diffs } a − b for the seeds both maps have (sorted)
 *   formatTable(rows) / markdownTable(rows)   cells "mean ± sd" in %, plus n (seeds)
 *   checkClaims(rows) → Claim[]          three claims, each with a verdict, its numbers and a sentence
 *   sweepScore(val) / chooseLr(runs)     the CLIP lr sweep's selection (val only)
 *
 * Verdicts ('supported' | 'not supported' | 'inconclusive'; 'not run' when a row is missing),
 * all on numbers in points (%), with n = the seeds both compared rows have (< 2 → inconclusive:
 * no spread to compare with):
 *  (a) tuning ≫ prompting: d_s = mean retrieval (R@1/5/10 both ways) of VladVA seed s − zero-shot
 *      (deterministic). Supported when mean(d) ≥ 5 points, VladVA's mean recall ≥ 2× zero-shot's,
 *      and mean(d) > 2·sd(d) (the margin is at least twice the seed spread); not supported
 *      when mean(d) + 2·sd(d) < 5 or the recall ratio is < 2; else inconclusive.
 *  (b) next-token helps compositional: d_s = mean over the 7 categories + Winoground group of
 *      VladVA_s − no-next-token_s (paired by seed). Supported when mean(d) − sd(d) > 0; not
 *      supported when mean(d) ≤ 0; else inconclusive. The paired one-sided t-test at 5 % (a
 *      stricter test for n ≤ 3: it needs t = mean/(sd/√n) > t₀.₉₅(n−1), e.g. 2.92 for n = 3,
 *      while mean − sd > 0 is t > √n) is reported beside it.
 *  (c) VladVA ≥ CLIP + 10 on swap-obj and swap-att, and above 75 %: per category, d_s = VladVA_s −
 *      CLIP_s (paired by seed). A category passes when mean(d) − sd(d) ≥ 10 and VladVA's mean − sd
 *      > 75, fails when mean(d) + sd(d) < 10 or VladVA's mean + sd ≤ 75. Supported when both pass,
 *      not supported when either fails, else inconclusive.
 */
import type { EvalReport } from '../../src/engine/eval/synthetic_eval.ts';
import { ROWS, type ClipSweepRun, type RowId } from './rows.ts';

export const CATS = ['replace-obj', 'replace-att', 'replace-rel', 'swap-obj', 'swap-att', 'add-obj', 'add-att'] as const;

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
  /** null: a deterministic row (zero-shot), measured once. */
  seed: number | null;
  report: EvalReport;
}

export interface Stat {
  mean: number;
  /** Sample standard deviation (n − 1); NaN when n < 2. */
  sd: number;
  n: number;
}

export function meanSd(xs: readonly number[]): Stat {
  const v = xs.filter(Number.isFinite);
  const n = v.length;
  if (!n) return { mean: NaN, sd: NaN, n: 0 };
  const mean = v.reduce((s, x) => s + x, 0) / n;
  const sd = n < 2 ? NaN : Math.sqrt(v.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1));
  return { mean, sd, n };
}

export interface AggRow {
  id: RowId;
  seeds: (number | null)[];
  /** Per seed, in `seeds` order: the flattened metrics (fractions). */
  perSeed: Record<string, number>[];
  /** Per column, over seeds: fractions. */
  stats: Record<string, Stat>;
}

export function aggregate(rows: readonly TableRow[]): AggRow[] {
  const out: AggRow[] = [];
  for (const spec of ROWS) {
    const mine = rows.filter((r) => r.id === spec.id).sort((x, y) => (x.seed ?? -1) - (y.seed ?? -1));
    if (!mine.length) continue;
    const perSeed = mine.map((r) => flatten(r.report));
    const stats = Object.fromEntries(COLUMNS.map((c) => [c.key, meanSd(perSeed.map((f) => f[c.key]))]));
    out.push({ id: spec.id, seeds: mine.map((r) => r.seed), perSeed, stats });
  }
  return out;
}

/** a − b for the seeds both have, sorted by seed. */
export function pairedDiffs(a: ReadonlyMap<number, number>, b: ReadonlyMap<number, number>): { seeds: number[]; diffs: number[] } {
  const seeds = [...a.keys()].filter((s) => b.has(s) && Number.isFinite(a.get(s)!) && Number.isFinite(b.get(s)!)).sort((x, y) => x - y);
  return { seeds, diffs: seeds.map((s) => a.get(s)! - b.get(s)!) };
}

const pct = (x: number) => (Number.isFinite(x) ? (100 * x).toFixed(1) : 'n/a');
const cell = (s: Stat, sep: string) => (!Number.isFinite(s.mean) ? 'n/a' : Number.isFinite(s.sd) ? `${pct(s.mean)}${sep}${pct(s.sd)}` : pct(s.mean));
const labelOf = (id: RowId) => ROWS.find((r) => r.id === id)?.label ?? id;

export function formatTable(rows: readonly TableRow[]): string {
  const agg = aggregate(rows);
  const w0 = Math.max(...agg.map((r) => r.id.length), 'row'.length);
  const cells = agg.map((r) => [String(r.seeds.length), ...COLUMNS.map((c) => cell(r.stats[c.key], '±'))]);
  const heads = ['n', ...COLUMNS.map((c) => c.head)];
  const widths = heads.map((h, i) => Math.max(h.length, 5, ...cells.map((cs) => cs[i].length)));
  const line = (first: string, cs: string[]) => [first.padEnd(w0), ...cs.map((c, i) => c.padStart(widths[i]))].join('  ');
  const out = [line('row', heads)];
  out.push('-'.repeat(out[0].length));
  agg.forEach((r, k) => out.push(line(r.id, cells[k])));
  return out.join('\n');
}

export function markdownTable(rows: readonly TableRow[]): string {
  const head = `| row | n | ${COLUMNS.map((c) => c.head).join(' | ')} |`;
  const sep = `|---|---:|${COLUMNS.map(() => '---:').join('|')}|`;
  const body = aggregate(rows).map((r) => `| ${labelOf(r.id)} | ${r.seeds.length} | ${COLUMNS.map((c) => cell(r.stats[c.key], ' ± ')).join(' | ')} |`);
  return [head, sep, ...body].join('\n');
}

export type Verdict = 'supported' | 'not supported' | 'inconclusive' | 'not run';

export interface Claim {
  id: 'tuning-beats-prompting' | 'next-token-helps-compositional' | 'lvlm-beats-clip-on-swaps';
  claim: string;
  verdict: Verdict;
  /** Paired by seed: the seeds used and the per-seed differences (claimed-better − other), in points. */
  seeds: number[];
  diffs: Record<string, number[]>;
  /** Mean ± sd over seeds of each difference series, in points. */
  stats: Record<string, Stat>;
  text: string;
}

/** One-sided 95 % critical values of Student's t, df 1…10 (then ≈ 1.80). */
const T95 = [NaN, 6.314, 2.92, 2.353, 2.132, 2.015, 1.943, 1.895, 1.86, 1.833, 1.812];
export const tCrit95 = (df: number) => (df < 1 ? NaN : T95[df] ?? 1.8);

const sign = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : ''}${x.toFixed(1)}` : 'n/a');
const pm = (s: Stat) => `${sign(s.mean)} ± ${Number.isFinite(s.sd) ? s.sd.toFixed(1) : 'n/a'}`;
const RETRIEVAL_COLS = ['t2i@1', 't2i@5', 't2i@10', 'i2t@1', 'i2t@5', 'i2t@10'];
const COMPOSITIONAL_COLS = [...CATS, 'wino-group'];

/** The columns of `cols` that every run of these rows measured (a category without items is NaN: left out). */
const measured = (cols: readonly string[], ...rows: AggRow[]) => cols.filter((c) => rows.every((r) => r.perSeed.every((f) => Number.isFinite(f[c]))));

/** Per seed, 100 × the mean of `cols` of a row (points); NaN when a column is missing. */
function perSeedMean(a: AggRow, cols: readonly string[]): Map<number, number> {
  const m = new Map<number, number>();
  a.seeds.forEach((s, i) => m.set(s ?? -1, (100 * cols.reduce((acc, c) => acc + a.perSeed[i][c], 0)) / cols.length));
  return m;
}

const few = (n: number) => `Only ${n} paired seed${n === 1 ? '' : 's'}: no seed spread to compare the margin with (needs ≥ 2).`;

/** What a claim's judge returns: everything of a Claim but its id and wording. */
type Judged = Omit<Claim, 'id' | 'claim'>;

/** (a) VladVA ≫ zero-shot on retrieval. */
function tuningBeatsPrompting(v: AggRow, z: AggRow): Judged {
  const RETRIEVAL = measured(RETRIEVAL_COLS, v, z);
  const zMean = (100 * RETRIEVAL.reduce((s, c) => s + z.stats[c].mean, 0)) / RETRIEVAL.length;
  const vm = perSeedMean(v, RETRIEVAL);
  const seeds = [...vm.keys()].filter((s) => Number.isFinite(vm.get(s)!)).sort((x, y) => x - y);
  const diffs = { retrieval: seeds.map((s) => vm.get(s)! - zMean) };
  const perCol = Object.fromEntries(RETRIEVAL.map((c) => [c, meanSd(v.perSeed.map((f) => 100 * (f[c] - z.stats[c].mean)))]));
  const d = meanSd(diffs.retrieval), vr = meanSd(seeds.map((s) => vm.get(s)!));
  const ratio = vr.mean / Math.max(zMean, 1e-9);
  const verdict: Verdict = d.n < 2 ? 'inconclusive'
    : d.mean >= 5 && ratio >= 2 && d.mean > 2 * d.sd ? 'supported'
      : d.mean + 2 * d.sd < 5 || ratio < 2 ? 'not supported' : 'inconclusive';
  const text = `VladVA minus zero-shot prompting, mean retrieval R@1/5/10 both ways: ${pm(d)} points over ${d.n} seeds ` +
    `(per seed ${diffs.retrieval.map(sign).join(', ')}; mean recall ${vr.mean.toFixed(1)} % vs ${zMean.toFixed(1)} %, ×${Number.isFinite(ratio) ? ratio.toFixed(1) : 'n/a'}; ` +
    `per column ${RETRIEVAL.map((c) => `${c} ${sign(perCol[c].mean)}`).join(', ')}). ` +
    (d.n < 2 ? few(d.n) : `Margin ${d.mean.toFixed(1)} vs 2 × seed sd ${(2 * d.sd).toFixed(1)}: ` +
      (verdict === 'supported' ? 'tuning wins by a wide margin (≥ 5 points, ≥ 2× the zero-shot recall, more than twice the seed spread).'
        : verdict === 'not supported' ? `the gain is not wide (${ratio < 2 ? 'VladVA\'s recall is under 2× the zero-shot recall' : 'below 5 points even at mean + 2 sd'}).`
          : 'the gain is positive but not wide beyond the seed spread.'));
  return { verdict, seeds, diffs, stats: { retrieval: d, vladvaRecall: vr, ...perCol }, text };
}

/** (b) The next-token loss helps the compositional categories, paired by seed. */
function nextTokenHelps(v: AggRow, nn: AggRow): Judged {
  const COMPOSITIONAL = measured(COMPOSITIONAL_COLS, v, nn);
  const { seeds, diffs: dv } = pairedDiffs(perSeedMean(v, COMPOSITIONAL), perSeedMean(nn, COMPOSITIONAL));
  const col = (f: AggRow, c: string) => new Map(f.seeds.map((s, i) => [s ?? -1, 100 * f.perSeed[i][c]]));
  const perCat = Object.fromEntries(COMPOSITIONAL.map((c) => [c, pairedDiffs(col(v, c), col(nn, c)).diffs]));
  const d = meanSd(dv);
  const t = d.mean / (d.sd / Math.sqrt(d.n)), tc = tCrit95(d.n - 1);
  const verdict: Verdict = d.n < 2 ? 'inconclusive' : d.mean - d.sd > 0 ? 'supported' : d.mean <= 0 ? 'not supported' : 'inconclusive';
  const text = `With minus without the next-token loss, mean over ${COMPOSITIONAL.length === 8 ? 'the 7 SugarCrepe categories + Winoground group' : COMPOSITIONAL.join(', ')}: ${pm(d)} points ` +
    `over ${d.n} paired seeds (per seed ${dv.map(sign).join(', ')}; per category ${COMPOSITIONAL.map((c) => `${c} ${pm(meanSd(perCat[c]))}`).join(', ')}). ` +
    (d.n < 2 ? few(d.n) : (verdict === 'supported' ? 'Mean − sd > 0: the next-token loss helps on average beyond the seed spread.'
      : verdict === 'not supported' ? 'No gain on average: the claim does not reproduce at this scale.'
        : 'A gain on average, but within one seed sd.') +
      ` Stricter paired one-sided t-test at 5 %: t = ${Number.isFinite(t) ? t.toFixed(2) : 'n/a'} vs ${tc.toFixed(2)} (${t > tc ? 'passes' : 'does not pass'}).`);
  return { verdict, seeds, diffs: { compositional: dv, ...perCat }, stats: { compositional: d, t: { mean: t, sd: NaN, n: d.n }, tCrit: { mean: tc, sd: NaN, n: d.n } }, text };
}

/** (c) VladVA ≥ CLIP + 10 on swap-obj and swap-att, and above 75 %. */
function lvlmBeatsClipOnSwaps(v: AggRow, c: AggRow): Judged {
  const diffs: Record<string, number[]> = {}, stats: Record<string, Stat> = {};
  const parts: string[] = [];
  const pass: ('pass' | 'fail' | '?')[] = [];
  let seeds: number[] = [];
  for (const cat of ['swap-obj', 'swap-att']) {
    const col = (f: AggRow) => new Map(f.seeds.map((s, i) => [s ?? -1, 100 * f.perSeed[i][cat]]));
    const p = pairedDiffs(col(v), col(c));
    seeds = p.seeds;
    const d = meanSd(p.diffs), va = meanSd(p.seeds.map((s) => col(v).get(s)!)), ca = meanSd(p.seeds.map((s) => col(c).get(s)!));
    diffs[cat] = p.diffs;
    Object.assign(stats, { [`${cat} diff`]: d, [`${cat} vladva`]: va, [`${cat} clip`]: ca });
    const r = d.n < 2 ? '?' : d.mean - d.sd >= 10 && va.mean - va.sd > 75 ? 'pass' : d.mean + d.sd < 10 || va.mean + va.sd <= 75 ? 'fail' : '?';
    pass.push(r);
    parts.push(`${cat}: VladVA ${pm(va).replace(/^\+/, '')} % vs CLIP ${pm(ca).replace(/^\+/, '')} %, paired difference ${pm(d)} points (${r === 'pass' ? 'passes' : r === 'fail' ? 'fails' : 'undecided'})`);
  }
  const n = seeds.length;
  const verdict: Verdict = n < 2 ? 'inconclusive' : pass.every((x) => x === 'pass') ? 'supported' : pass.includes('fail') ? 'not supported' : 'inconclusive';
  const text = `${parts.join('; ')}, over ${n} paired seeds. ` + (n < 2 ? few(n)
    : verdict === 'supported' ? 'Both categories clear CLIP + 10 and 75 % beyond one seed sd.'
      : verdict === 'not supported' ? 'At least one category misses CLIP + 10 or 75 % even at mean + sd.'
        : 'The margins are within one seed sd of the thresholds.');
  return { verdict, seeds, diffs, stats, text };
}

/** The paper's three claims at this scale: id, wording, the two rows compared, the judge. */
const CLAIMS: readonly { id: Claim['id']; claim: string; rows: [RowId, RowId]; judge: (a: AggRow, b: AggRow) => Judged }[] = [
  { id: 'tuning-beats-prompting', claim: 'Tuning beats prompting by a wide margin on retrieval (VladVA vs zero-shot).', rows: ['vladva', 'zero-shot'], judge: tuningBeatsPrompting },
  { id: 'next-token-helps-compositional', claim: 'The next-token loss helps the compositional categories (VladVA vs the same without it, paired by seed).', rows: ['vladva', 'no-next-token'], judge: nextTokenHelps },
  { id: 'lvlm-beats-clip-on-swaps', claim: 'The tuned LVLM beats the fair CLIP by ≥ 10 points on swap-obj and swap-att, and is above 75 % on both.', rows: ['vladva', 'clip'], judge: lvlmBeatsClipOnSwaps },
];

export function checkClaims(rows: readonly TableRow[]): Claim[] {
  const agg = aggregate(rows);
  return CLAIMS.map(({ id, claim, rows: [a, b], judge }) => {
    const ra = agg.find((r) => r.id === a), rb = agg.find((r) => r.id === b);
    if (!ra || !rb) {
      const gone = [a, b].filter((x) => !agg.some((r) => r.id === x));
      return { id, claim, verdict: 'not run', seeds: [], diffs: {}, stats: {}, text: `Not evaluated: rows ${gone.join(', ')} were not run.` };
    }
    return { id, claim, ...judge(ra, rb) };
  });
}

/** Selection score of a CLIP sweep run: mean of val R@1/5/10 both ways (fractions). */
export const sweepScore = (v: Record<string, number>) => [1, 5, 10].reduce((s, k) => s + v[`t2i/R@${k}`] + v[`i2t/R@${k}`], 0) / 6;

/** The sweep's lr with the best val score; ties (and NaN scores) → the earlier run. */
export function chooseLr(runs: readonly ClipSweepRun[]): number {
  if (!runs.length) throw new Error('chooseLr: no sweep runs');
  let best = runs[0];
  for (const r of runs) if (Number.isFinite(r.score) && (!Number.isFinite(best.score) || r.score > best.score)) best = r;
  return best.lr;
}
