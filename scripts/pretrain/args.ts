/**
 * Command line of `npm run pretrain -- [options]` (scripts/pretrain/pretrain.ts).
 *
 * Public API: interface PretrainArgs; DEFAULTS (= the shipped run); parsePretrainArgs(argv);
 *   parsePretrainArgv(argv) → { args, given (the keys set on the command line) };
 *   USAGE; commandLine(args) → the npm command that reproduces a run; modelDims(args) → the
 *   initial model's dims (model-files.ts); RUN_KEYS: the options that define a run's weights.
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
  /** Model dims (v2 flags); intermediates are 2 × hidden, 2 KV heads when heads is even. */
  textHidden: number;
  textLayers: number;
  textHeads: number;
  visionHidden: number;
  visionLayers: number;
  visionHeads: number;
  patch: number;
  /** Continue the run in --out from its last checkpoint (state.ts); unset options come from it. */
  resume: boolean;
  /** Stop after this step with a checkpoint (a run over several sittings); 0 = run to the end. */
  stopAfter: number;
  /** Start from this folder's weights (same dims: its config.json must be the one these options
   * build) instead of the seeded init; fresh AdamW moments and schedule. '' = seeded init. */
  initFrom: string;
}

/** Options that decide the trained weights: a resume must not change them (steps may grow). */
export const RUN_KEYS = ['steps', 'batch', 'lr', 'warmup', 'minLrRatio', 'weightDecay', 'maxGradNorm', 'maxLongTokens', 'seed',
  'imageSize', 'trainScenes', 'initFrom', 'textHidden', 'textLayers', 'textHeads', 'visionHidden', 'visionLayers', 'visionHeads', 'patch'] as const;
export type RunKey = (typeof RUN_KEYS)[number];

/** --bench: 1 warm-up step (pipeline compilation, pool fill) then the timed steps. */
export const BENCH_WARMUP = 1;
export const BENCH_STEPS = { full: 6, quick: 2 };
export const BENCH_QUICK = { batch: 4, trainScenes: 16 };

export const DEFAULTS: PretrainArgs = {
  steps: 270, batch: 32, lr: 3e-3, warmup: 30, minLrRatio: 0.1, weightDecay: 0.01, maxGradNorm: 1,
  maxLongTokens: 64, seed: 1234, imageSize: 48, trainScenes: null, evalScenes: 64, samples: 6,
  out: 'public/models/discern-tiny', profile: false, checkpointEvery: 50, bench: false, quick: false,
  textHidden: 64, textLayers: 2, textHeads: 4, visionHidden: 32, visionLayers: 2, visionHeads: 4, patch: 8,
  resume: false, stopAfter: 0, initFrom: '',
};

export const USAGE = `usage: npm run pretrain -- [--steps N] [--batch N] [--lr X] [--warmup N (≤ steps)] [--min-lr-ratio X]
  [--weight-decay X] [--max-grad-norm X] [--max-long-tokens N] [--seed N] [--image-size N]
  [--train-scenes N] [--eval-scenes N] [--samples N] [--checkpoint-every N] [--out DIR] [--profile]
  [--text-hidden N] [--text-layers N] [--text-heads N] [--vision-hidden N] [--vision-layers N] [--vision-heads N] [--patch N]
  [--stop-after N (checkpoint and stop there)] [--init-from DIR (start from that folder's weights, same dims)]
       npm run pretrain -- --resume [--out DIR] [--steps N (≥ the saved run's)] …   (continue from the last checkpoint)
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
  '--text-hidden': ['textHidden', 'int'], '--text-layers': ['textLayers', 'int'], '--text-heads': ['textHeads', 'int'],
  '--vision-hidden': ['visionHidden', 'int'], '--vision-layers': ['visionLayers', 'int'], '--vision-heads': ['visionHeads', 'int'],
  '--patch': ['patch', 'int'], '--stop-after': ['stopAfter', 'int0'],
};

/** The initial model's dims (tiny-model.ts TinyModelOptions); the defaults give DEFAULT_TINY's. */
export function modelDims(a: PretrainArgs) {
  return {
    vision: { hidden: a.visionHidden, layers: a.visionLayers, heads: a.visionHeads, intermediate: 2 * a.visionHidden, image: a.imageSize, patch: a.patch },
    text: { hidden: a.textHidden, layers: a.textLayers, heads: a.textHeads, kvHeads: a.textHeads % 2 === 0 ? 2 : 1,
      headDim: a.textHidden / a.textHeads, intermediate: 2 * a.textHidden },
  };
}

export function parsePretrainArgs(argv: string[]): PretrainArgs {
  return parsePretrainArgv(argv).args;
}

export function parsePretrainArgv(argv: string[]): { args: PretrainArgs; given: Set<keyof PretrainArgs> } {
  const a: PretrainArgs = { ...DEFAULTS };
  const given = new Set<keyof PretrainArgs>();
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const v = argv[i + 1];
    if (flag === '--profile' || flag === '--bench' || flag === '--quick' || flag === '--resume') {
      a[flag.slice(2) as 'profile' | 'bench' | 'quick' | 'resume'] = true;
      continue;
    }
    if (flag === '--out' || flag === '--init-from') {
      if (!v || v.startsWith('--')) throw new PretrainArgsError(`${flag} needs a directory`);
      if (flag === '--out') a.out = v;
      else {
        a.initFrom = v;
        given.add('initFrom');
      }
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
  if (a.resume && a.bench) throw new PretrainArgsError('--resume does not go with --bench');
  if (a.initFrom && a.bench) throw new PretrainArgsError('--init-from does not go with --bench');
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
  if (!a.resume) validate(a); // a resume validates once merged with the saved run (state.ts)
  return { args: a, given };
}

/** Cross-flag checks (also run on the merged options of a resume). */
export function validate(a: PretrainArgs): void {
  if (a.minLrRatio > 1) throw new PretrainArgsError(`--min-lr-ratio must be in [0, 1], got ${a.minLrRatio}`);
  if (a.imageSize % a.patch !== 0 || (a.imageSize / a.patch) % 2 !== 0) {
    throw new PretrainArgsError(`--image-size must be a multiple of ${2 * a.patch} (patch ${a.patch}, pixel shuffle 2), got ${a.imageSize}`);
  }
  const hd = a.textHidden / a.textHeads;
  if (!Number.isInteger(hd) || hd % 2 !== 0) {
    throw new PretrainArgsError(`--text-hidden ${a.textHidden} must be --text-heads ${a.textHeads} × an even head size (RoPE)`);
  }
  if (a.visionHidden % a.visionHeads !== 0) {
    throw new PretrainArgsError(`--vision-hidden ${a.visionHidden} must be a multiple of --vision-heads ${a.visionHeads}`);
  }
  if (a.stopAfter && a.stopAfter >= a.steps) throw new PretrainArgsError(`--stop-after ${a.stopAfter} must be below --steps ${a.steps}`);
}

/** The command that reproduces a run (flags that differ from the defaults only). */
export function commandLine(a: PretrainArgs): string {
  const parts = ['npm run pretrain'];
  const extra: string[] = [];
  for (const [flag, [key]] of Object.entries(FLAGS)) {
    if (key !== 'stopAfter' && a[key] !== DEFAULTS[key]) extra.push(flag, String(a[key])); // stopping is not part of the run
  }
  if (a.initFrom) extra.push('--init-from', a.initFrom);
  if (a.out !== DEFAULTS.out) extra.push('--out', a.out);
  if (a.bench) extra.unshift(...(a.quick ? ['--bench', '--quick'] : ['--bench']));
  if (extra.length) parts.push('--', ...extra);
  return parts.join(' ');
}
