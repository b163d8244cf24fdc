/**
 * Command line of `npm run evidence -- [options]`.
 *
 * Public API:
 *   DEFAULTS, QUICK                 the full run's budget and the --quick overrides
 *   parseEvidenceArgs(argv) → EvidenceArgs      throws EvidenceArgsError (exit code 2)
 *   commandLine(a) → string         the command that reproduces a run (non-default flags only)
 *   USAGE
 * --quick (for tests) is applied first, so explicit flags still override it.
 * Budget (measured on 2 shared cores, SwiftShader): a VladVA step of batch 8 takes 2–4 s
 * (batch 16 about twice that) and one LVLM row's evaluation (250 test scenes → 2,160 texts,
 * 410 images) about 1 min, so 4 trained LVLM rows × 60 steps of 16 + 6 evaluations fit the
 * 40-minute target (a full run with batch 8 took 19 min).
 */
import { ROW_IDS, type RowId } from './rows.ts';

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
  clipLr: number;
  warmup: number;
  maxLongTokens: number;
  seed: number;
  train: number;
  val: number;
  test: number;
  wino: number;
  /** Texts / images embedded per forward at evaluation. */
  embedChunk: number;
}

export const DEFAULTS: Readonly<EvidenceArgs> = Object.freeze({
  model: 'public/models/discern-tiny', outDir: 'docs', quick: false, rows: [...ROW_IDS],
  steps: 60, batch: 16, chunk: 16, lr: 1e-2, clipLr: 3e-3, warmup: 6, maxLongTokens: 48, seed: 0,
  train: 960, val: 100, test: 250, wino: 80, embedChunk: 128,
});

export const QUICK: Partial<EvidenceArgs> = { steps: 2, batch: 4, chunk: 4, warmup: 0, train: 8, val: 4, test: 8, wino: 2, maxLongTokens: 16 };

export const USAGE = `usage: npm run evidence -- [--model DIR] [--out-dir DIR] [--quick] [--rows id,id,…]
  [--steps N] [--batch N] [--chunk N] [--lr X] [--clip-lr X] [--warmup N] [--max-long-tokens N] [--seed N]
  [--train N] [--val N] [--test N] [--wino N] [--embed-chunk N]
rows: ${ROW_IDS.join(', ')}
defaults: ${JSON.stringify(DEFAULTS)}
--quick: ${JSON.stringify(QUICK)}`;

export class EvidenceArgsError extends Error {
  override readonly name = 'EvidenceArgsError';
}

type Kind = 'int' | 'int0' | 'num';
const FLAGS: Record<string, [keyof EvidenceArgs, Kind]> = {
  '--steps': ['steps', 'int'], '--batch': ['batch', 'int'], '--chunk': ['chunk', 'int'], '--lr': ['lr', 'num'],
  '--clip-lr': ['clipLr', 'num'], '--warmup': ['warmup', 'int0'], '--max-long-tokens': ['maxLongTokens', 'int'],
  '--seed': ['seed', 'int0'], '--train': ['train', 'int'], '--val': ['val', 'int0'], '--test': ['test', 'int'],
  '--wino': ['wino', 'int'], '--embed-chunk': ['embedChunk', 'int'],
};

export function parseEvidenceArgs(argv: string[]): EvidenceArgs {
  const a: EvidenceArgs = { ...DEFAULTS, rows: [...DEFAULTS.rows] };
  if (argv.includes('--quick')) Object.assign(a, QUICK, { quick: true });
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1];
    if (flag === '--quick') continue;
    if (flag === '--model' || flag === '--out-dir') {
      if (!v || v.startsWith('--')) throw new EvidenceArgsError(`${flag} needs a directory`);
      if (flag === '--model') a.model = v;
      else a.outDir = v;
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
    const spec = FLAGS[flag];
    if (!spec) throw new EvidenceArgsError(`unknown argument ${flag}`);
    const [key, kind] = spec;
    const n = Number(v);
    const ok = v !== undefined && v !== '' && Number.isFinite(n) &&
      (kind === 'num' ? n > 0 : Number.isInteger(n) && (kind === 'int0' ? n >= 0 : n > 0));
    if (!ok) throw new EvidenceArgsError(`${flag} needs ${kind === 'num' ? 'a number > 0' : kind === 'int0' ? 'an integer ≥ 0' : 'a positive integer'}, got ${v}`);
    (a as unknown as Record<string, number>)[key] = n;
    i++;
  }
  if (a.batch < 2) throw new EvidenceArgsError(`--batch must be ≥ 2 (the contrastive loss needs in-batch negatives), got ${a.batch}`);
  if (a.train < a.batch) throw new EvidenceArgsError(`--train (${a.train}) must be at least --batch (${a.batch})`);
  if (a.warmup > a.steps) throw new EvidenceArgsError(`--warmup (${a.warmup}) must not exceed --steps (${a.steps})`);
  if (a.val === 1) throw new EvidenceArgsError('--val must be 0 or ≥ 2 (retrieval needs negatives)');
  return a;
}

/** The command that reproduces a run (flags that differ from the defaults only). */
export function commandLine(a: EvidenceArgs): string {
  const extra: string[] = [];
  const base: EvidenceArgs = a.quick ? { ...DEFAULTS, ...QUICK, quick: true, rows: [...DEFAULTS.rows] } : { ...DEFAULTS, rows: [...DEFAULTS.rows] };
  if (a.quick) extra.push('--quick');
  if (a.model !== base.model) extra.push('--model', a.model);
  if (a.outDir !== base.outDir) extra.push('--out-dir', a.outDir);
  if (a.rows.join() !== base.rows.join()) extra.push('--rows', a.rows.join(','));
  for (const [flag, [key]] of Object.entries(FLAGS)) if (a[key] !== base[key]) extra.push(flag, String(a[key]));
  return ['npm run evidence', ...(extra.length ? ['--', ...extra] : [])].join(' ');
}
