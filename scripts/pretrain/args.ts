/**
 * Command line of `npm run pretrain -- [options]` (scripts/pretrain/pretrain.ts).
 *
 * Public API: interface PretrainArgs; DEFAULTS (= the shipped run); parsePretrainArgs(argv);
 *   USAGE; commandLine(args) → the npm command that reproduces a run.
 * Errors are thrown as PretrainArgsError naming the flag and the bad value.
 */
export interface PretrainArgs {
  steps: number;
  batch: number;
  lr: number;
  warmup: number;
  minLrRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  maxLongTokens: number;
  seed: number;
  imageSize: number;
  trainScenes: number | null;
  evalScenes: number;
  samples: number;
  out: string;
  /** Print per-phase step timings (slower: a GPU sync per phase). */
  profile: boolean;
  /** Write the folder every n steps as well (0 = only at the end). */
  checkpointEvery: number;
  /** Throughput benchmark (bench.ts): a short fixed run, nothing written; see BENCH_STEPS. */
  bench: boolean;
  /** With --bench: the CI-sized variant (2 timed steps of batch 4 on 16 scenes). */
  quick: boolean;
}

/** --bench: 1 warm-up step (pipeline compilation, pool fill) then the timed steps. */
export const BENCH_WARMUP = 1;
export const BENCH_STEPS = { full: 6, quick: 2 };
export const BENCH_QUICK = { batch: 4, trainScenes: 16 };

export const DEFAULTS: PretrainArgs = {
  steps: 270, batch: 32, lr: 3e-3, warmup: 30, minLrRatio: 0.1, weightDecay: 0.01, maxGradNorm: 1,
  maxLongTokens: 64, seed: 1234, imageSize: 48, trainScenes: null, evalScenes: 64, samples: 6,
  out: 'public/models/discern-tiny', profile: false, checkpointEvery: 50, bench: false, quick: false,
};

export const USAGE = `usage: npm run pretrain -- [--steps N] [--batch N] [--lr X] [--warmup N (≤ steps)] [--min-lr-ratio X]
  [--weight-decay X] [--max-grad-norm X] [--max-long-tokens N] [--seed N] [--image-size N]
  [--train-scenes N] [--eval-scenes N] [--samples N] [--checkpoint-every N] [--out DIR] [--profile]
       npm run pretrain -- --bench [--quick] [--batch N] [--seed N] …   (throughput benchmark, writes nothing)
defaults (the shipped model): ${JSON.stringify(DEFAULTS)}`;

export class PretrainArgsError extends Error {
  override readonly name = 'PretrainArgsError';
}

type Kind = 'int' | 'int0' | 'num';
const FLAGS: Record<string, [keyof PretrainArgs, Kind]> = {
  '--steps': ['steps', 'int'], '--batch': ['batch', 'int'], '--lr': ['lr', 'num'], '--warmup': ['warmup', 'int0'],
  '--min-lr-ratio': ['minLrRatio', 'num'], '--weight-decay': ['weightDecay', 'num'], '--max-grad-norm': ['maxGradNorm', 'num'],
  '--max-long-tokens': ['maxLongTokens', 'int'], '--seed': ['seed', 'int0'], '--image-size': ['imageSize', 'int'],
  '--checkpoint-every': ['checkpointEvery', 'int0'], '--train-scenes': ['trainScenes', 'int'], '--eval-scenes': ['evalScenes', 'int0'], '--samples': ['samples', 'int0'],
};

export function parsePretrainArgs(argv: string[]): PretrainArgs {
  const a: PretrainArgs = { ...DEFAULTS };
  const given = new Set<keyof PretrainArgs>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1];
    if (flag === '--profile' || flag === '--bench' || flag === '--quick') {
      a[flag.slice(2) as 'profile' | 'bench' | 'quick'] = true;
      continue;
    }
    if (flag === '--out') {
      if (!v || v.startsWith('--')) throw new PretrainArgsError('--out needs a directory');
      a.out = v;
      i++;
      continue;
    }
    const spec = FLAGS[flag];
    if (!spec) throw new PretrainArgsError(`unknown argument ${flag}`);
    const [key, kind] = spec;
    const n = Number(v);
    const ok = v !== undefined && v !== '' && Number.isFinite(n) &&
      (kind === 'num' ? n >= 0 : Number.isInteger(n) && (kind === 'int0' ? n >= 0 : n > 0));
    if (!ok) throw new PretrainArgsError(`${flag} needs ${kind === 'num' ? 'a number ≥ 0' : kind === 'int0' ? 'an integer ≥ 0' : 'a positive integer'}, got ${v}`);
    (a as unknown as Record<string, number>)[key] = n;
    given.add(key);
    i++;
  }
  if (a.quick && !a.bench) throw new PretrainArgsError('--quick only goes with --bench');
  if (a.bench) {
    // a fixed short run at the shipped settings; no held-out loss, samples or checkpoints
    if (!given.has('steps')) a.steps = BENCH_WARMUP + (a.quick ? BENCH_STEPS.quick : BENCH_STEPS.full);
    if (a.steps <= BENCH_WARMUP) throw new PretrainArgsError(`--bench needs --steps > ${BENCH_WARMUP} (warm-up + timed steps), got ${a.steps}`);
    if (a.quick && !given.has('batch')) a.batch = BENCH_QUICK.batch;
    if (a.quick && !given.has('trainScenes')) a.trainScenes = BENCH_QUICK.trainScenes;
    a.evalScenes = 0;
    a.samples = 0;
    a.checkpointEvery = 0;
  }
  a.warmup = Math.min(a.warmup, a.steps); // a short run (smoke test) keeps a valid schedule
  if (a.minLrRatio > 1) throw new PretrainArgsError(`--min-lr-ratio must be in [0, 1], got ${a.minLrRatio}`);
  if (a.imageSize % 8 !== 0 || (a.imageSize / 8) % 2 !== 0) {
    throw new PretrainArgsError(`--image-size must be a multiple of 16 (patch 8, pixel shuffle 2), got ${a.imageSize}`);
  }
  return a;
}

/** The command that reproduces a run (flags that differ from the defaults only). */
export function commandLine(a: PretrainArgs): string {
  const parts = ['npm run pretrain'];
  const extra: string[] = [];
  for (const [flag, [key]] of Object.entries(FLAGS)) if (a[key] !== DEFAULTS[key]) extra.push(flag, String(a[key]));
  if (a.out !== DEFAULTS.out) extra.push('--out', a.out);
  if (a.bench) extra.unshift(...(a.quick ? ['--bench', '--quick'] : ['--bench']));
  if (extra.length) parts.push('--', ...extra);
  return parts.join(' ');
}
