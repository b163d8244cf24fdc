/**
 * Command line of `npm run evidence -- [options]`.
 *
 * Public API:
 *   DEFAULTS, QUICK                 the full run's budget and the --quick overrides
 *   parseEvidenceArgs(argv) → EvidenceArgs      throws EvidenceArgsError (exit code 2)
 *   commandLine(a) → string         the command that reproduces a run (non-default flags only)
 *   USAGE
 * --quick (for tests) is applied first, so explicit flags still override it.
 * Seeds: every trained row runs once per seed of --seeds (data order + adapter / CLIP init);
 * zero-shot once (deterministic). CLIP: its budget follows the evaluated model's pretraining
 * log (budget.ts) unless --clip-max-examples caps it; its lr is the best of --clip-lrs on `val`
 * (a sweep at --clip-sweep-fraction of the budget, first seed); one value = no sweep.
 * Budget (2 cores, SwiftShader, quiet, 2026-12-07 on discern-tiny v2): a VladVA step of batch 16
 * takes ≈ 1.5 s (≈ 1.5 min per LVLM row) and its evaluation (250 test scenes → 2,160 texts, 410
 * images) ≈ 20 s; a CLIP step of batch 32 on short captions 0.6–0.8 s (batch 128: 2.2 s, 256: 7 s —
 * no cheaper per example). The fair CLIP of v2 (105,600 LVLM examples → 3,300 steps × 32 per seed)
 * dominates: ≈ 40 min per seed, the sweep at 10 % ≈ 13 min; the LVLM rows of 3 seeds ≈ 30 min.
 */
import { ROW_IDS, type RowId } from './rows.ts';

export type ClipCaptions = 'short' | 'both';

export interface EvidenceArgs {
  model: string;
  outDir: string;
  quick: boolean;
  rows: RowId[];
  steps: number;
  batch: number;
  /** Gradient-cache chunk of the VLM rows (memory only; does not change the update). */
  chunk: number;
  lr: number;
  warmup: number;
  maxLongTokens: number;
  /** One run of every trained row per seed (data order + init). */
  seeds: number[];
  train: number;
  val: number;
  test: number;
  wino: number;
  /** Texts / images embedded per forward at evaluation. */
  embedChunk: number;
  /** CLIP learning rates tried on `val` (the best one trains every seed). */
  clipLrs: number[];
  clipBatch: number;
  /** Cap on CLIP examples seen (0 = none: the LVLM's pretraining + fine-tuning examples). */
  clipMaxExamples: number;
  /** The lr sweep's runs last this fraction of the CLIP budget (cosine over that length). */
  clipSweepFraction: number;
  /** CLIP positives: short captions only, or short and long as separate positives (pretraining's schedule). */
  clipCaptions: ClipCaptions;
  clipWarmupFraction: number;
  /** Continue a run: (row, seed) results and the CLIP sweep already in this evidence.json are kept, not rerun. */
  resumeFrom: string;
}

export const DEFAULTS: Readonly<EvidenceArgs> = Object.freeze({
  model: 'public/models/discern-tiny-v2', outDir: 'docs', quick: false, rows: [...ROW_IDS],
  steps: 60, batch: 16, chunk: 16, lr: 1e-2, warmup: 6, maxLongTokens: 48, seeds: [0, 1, 2],
  train: 960, val: 100, test: 250, wino: 80, embedChunk: 128,
  clipLrs: [1e-3, 3e-3, 1e-2], clipBatch: 32, clipMaxExamples: 0, clipSweepFraction: 0.25, clipCaptions: 'short' as ClipCaptions,
  clipWarmupFraction: 0.05, resumeFrom: '',
});

/** --quick: CI-sized. Two seeds and the rows the three claims compare (the two ablations, soft prompts only and LoRA
 * only, run the same code path as VladVA with one switch off; `--rows` adds them back). */
export const QUICK: Partial<EvidenceArgs> = {
  rows: ['zero-shot', 'vladva', 'no-next-token', 'clip'], steps: 2, batch: 4, chunk: 4, warmup: 0, train: 8, val: 4, test: 8, wino: 2, maxLongTokens: 16, seeds: [0, 1],
  clipLrs: [3e-3, 1e-2], clipBatch: 4, clipMaxExamples: 12, clipSweepFraction: 0.5,
};

export const USAGE = `usage: npm run evidence -- [--model DIR] [--out-dir DIR] [--quick] [--rows id,id,…] [--seeds N,N,…]
  [--steps N] [--batch N] [--chunk N] [--lr X] [--warmup N] [--max-long-tokens N]
  [--train N] [--val N] [--test N] [--wino N] [--embed-chunk N]
  [--clip-lrs X,X,…] [--clip-batch N] [--clip-max-examples N] [--clip-sweep-fraction F] [--clip-captions short|both]
  [--clip-warmup-fraction F] [--resume-from FILE.json]
rows: ${ROW_IDS.join(', ')}
defaults: ${JSON.stringify(DEFAULTS)}
--quick: ${JSON.stringify(QUICK)}`;

export class EvidenceArgsError extends Error {
  override readonly name = 'EvidenceArgsError';
}

type Kind = 'int' | 'int0' | 'num' | 'frac';
const FLAGS: Record<string, [keyof EvidenceArgs, Kind]> = {
  '--steps': ['steps', 'int'], '--batch': ['batch', 'int'], '--chunk': ['chunk', 'int'], '--lr': ['lr', 'num'],
  '--warmup': ['warmup', 'int0'], '--max-long-tokens': ['maxLongTokens', 'int'],
  '--train': ['train', 'int'], '--val': ['val', 'int0'], '--test': ['test', 'int'],
  '--wino': ['wino', 'int'], '--embed-chunk': ['embedChunk', 'int'],
  '--clip-batch': ['clipBatch', 'int'], '--clip-max-examples': ['clipMaxExamples', 'int0'],
  '--clip-sweep-fraction': ['clipSweepFraction', 'frac'], '--clip-warmup-fraction': ['clipWarmupFraction', 'frac'],
};
const LISTS: Record<string, ['seeds' | 'clipLrs', Kind]> = { '--seeds': ['seeds', 'int0'], '--clip-lrs': ['clipLrs', 'num'] };
const STRINGS: Record<string, 'model' | 'outDir' | 'resumeFrom'> = { '--model': 'model', '--out-dir': 'outDir', '--resume-from': 'resumeFrom' };

const okNumber = (n: number, kind: Kind) => Number.isFinite(n) &&
  (kind === 'num' ? n > 0 : kind === 'frac' ? n > 0 && n <= 1 : Number.isInteger(n) && (kind === 'int0' ? n >= 0 : n > 0));
const want = (kind: Kind) => (kind === 'num' ? 'a number > 0' : kind === 'frac' ? 'a number in (0, 1]' : kind === 'int0' ? 'an integer ≥ 0' : 'a positive integer');

export function parseEvidenceArgs(argv: string[]): EvidenceArgs {
  const a: EvidenceArgs = { ...DEFAULTS, rows: [...DEFAULTS.rows], seeds: [...DEFAULTS.seeds], clipLrs: [...DEFAULTS.clipLrs] };
  if (argv.includes('--quick')) Object.assign(a, QUICK, { quick: true, rows: [...QUICK.rows!] });
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1];
    if (flag === '--quick') continue;
    if (flag in STRINGS) {
      if (!v || v.startsWith('--')) throw new EvidenceArgsError(`${flag} needs a ${flag === '--resume-from' ? 'file' : 'directory'}`);
      a[STRINGS[flag]] = v;
      i++;
      continue;
    }
    if (flag === '--rows') {
      const ids = (v ?? '').split(',').filter(Boolean);
      const bad = ids.filter((x) => !(ROW_IDS as string[]).includes(x));
      if (!ids.length || bad.length) throw new EvidenceArgsError(`--rows takes a comma-separated list of ${ROW_IDS.join(', ')}; got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
      a.rows = ROW_IDS.filter((x) => ids.includes(x));
      i++;
      continue;
    }
    if (flag === '--clip-captions') {
      if (v !== 'short' && v !== 'both') throw new EvidenceArgsError(`--clip-captions takes short or both, got ${v}`);
      a.clipCaptions = v;
      i++;
      continue;
    }
    if (flag in LISTS) {
      const [key, kind] = LISTS[flag];
      const xs = (v ?? '').split(',').filter((s) => s !== '').map(Number);
      if (!xs.length || xs.some((x) => !okNumber(x, kind)) || new Set(xs).size !== xs.length) {
        throw new EvidenceArgsError(`${flag} takes a comma-separated list of distinct values, each ${want(kind)}; got ${v}`);
      }
      a[key] = xs;
      i++;
      continue;
    }
    const spec = FLAGS[flag];
    if (!spec) throw new EvidenceArgsError(`unknown argument ${flag}`);
    const [key, kind] = spec;
    const n = Number(v);
    if (v === undefined || v === '' || !okNumber(n, kind)) throw new EvidenceArgsError(`${flag} needs ${want(kind)}, got ${v}`);
    (a as unknown as Record<string, number>)[key] = n;
    i++;
  }
  if (a.batch < 2) throw new EvidenceArgsError(`--batch must be ≥ 2 (the contrastive loss needs in-batch negatives), got ${a.batch}`);
  if (a.clipBatch < 2) throw new EvidenceArgsError(`--clip-batch must be ≥ 2 (in-batch negatives), got ${a.clipBatch}`);
  if (a.train < a.batch) throw new EvidenceArgsError(`--train (${a.train}) must be at least --batch (${a.batch})`);
  if (a.warmup > a.steps) throw new EvidenceArgsError(`--warmup (${a.warmup}) must not exceed --steps (${a.steps})`);
  if (a.val === 1) throw new EvidenceArgsError('--val must be 0 or ≥ 2 (retrieval needs negatives)');
  if (a.clipLrs.length > 1 && a.val < 2 && a.rows.includes('clip')) throw new EvidenceArgsError('a CLIP lr sweep (--clip-lrs with several values) needs --val ≥ 2: the lr is chosen on val');
  if (a.clipMaxExamples > 0 && a.clipMaxExamples < a.clipBatch) throw new EvidenceArgsError(`--clip-max-examples (${a.clipMaxExamples}) must be 0 (no cap) or at least --clip-batch (${a.clipBatch})`);
  return a;
}

/** The command that reproduces a run (flags that differ from the defaults only). */
export function commandLine(a: EvidenceArgs): string {
  const extra: string[] = [];
  const base: EvidenceArgs = { ...DEFAULTS, ...(a.quick ? QUICK : {}), quick: a.quick };
  if (a.quick) extra.push('--quick');
  for (const [flag, key] of Object.entries(STRINGS)) if (a[key] !== base[key]) extra.push(flag, a[key]);
  if (a.rows.join() !== base.rows.join()) extra.push('--rows', a.rows.join(','));
  for (const [flag, [key]] of Object.entries(LISTS)) if (a[key].join() !== base[key].join()) extra.push(flag, a[key].join(','));
  if (a.clipCaptions !== base.clipCaptions) extra.push('--clip-captions', a.clipCaptions);
  for (const [flag, [key]] of Object.entries(FLAGS)) if (a[key] !== base[key]) extra.push(flag, String(a[key]));
  return ['npm run evidence', ...(extra.length ? ['--', ...extra] : [])].join(' ');
}
