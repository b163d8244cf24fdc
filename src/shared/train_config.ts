/**
 * The training configuration of a VladVA run, its browser-scaled defaults, and the validator
 * that refuses bad settings BEFORE a run starts (one message per field). Shared: the Train
 * form validates with it client-side, the engine (engine/train/trainer/config.ts re-exports
 * this file) validates again at train-start.
 *
 * Public API:
 *   interface TrainConfig
 *   DEFAULT_TRAIN_CONFIG
 *   validateTrainConfig(c: unknown) → { config } | { errors: { field, message }[] }
 *   ADAM_BETAS                       — β1, β2, ε (fixed, as in the paper: torch AdamW defaults)
 *   TRAIN_CONFIG_LIMITS              — the largest value each numeric field accepts
 *
 * Defaults (DESIGN.md §1, scaled to a browser): AdamW lr 1e-4, cosine to 0 after a short
 * linear warmup, LoRA rank 16 / alpha 16 on q k v o gate up down, both losses weighted 1,
 * fixed temperature 0.05. The paper's batch is 1024; in a browser the default is 64 in chunks
 * of 16 (gradient caching makes the chunk, not the batch, bound memory — raise the batch freely).
 * trainLora / trainSoftPrompts (ablations) select what trains; at least one must be true.
 * Every numeric field has an upper bound (TRAIN_CONFIG_LIMITS): a typo such as steps = 1e12
 * is refused with the bound instead of starting a run that never ends. The bounds are far
 * beyond any useful setting, not advice (lr up to 1e8 stays allowed so that a run can be
 * driven to divergence on purpose; the NaN guard then stops it).
 * Trap: the validator returns a fresh object with exactly the known fields; unknown fields are
 * refused (a typo like "learningRate" must not silently train with the default).
 */
import { LORA_MODULES, type LoraModule } from './lora.ts';

export interface TrainConfig {
  /** Optimizer updates in the run (also the cosine schedule's length). */
  steps: number;
  /** Contrastive batch: images + short captions per update (in-batch negatives = batch − 1). */
  batchSize: number;
  /** Sequences per replay chunk of the gradient cache (bounds activation memory). */
  chunkSize: number;
  /** Peak learning rate (after warmup). */
  lr: number;
  warmupSteps: number;
  /** Cosine floor as a fraction of lr. */
  minLrRatio: number;
  /** AdamW decoupled weight decay, on LoRA matrices only. */
  weightDecay: number;
  /** Global gradient-norm clip. */
  maxGradNorm: number;
  lambdaContrastive: number;
  lambdaNextToken: number;
  /** InfoNCE temperature τ (initial value when learnable). */
  temperature: number;
  learnTemperature: boolean;
  lora: { rank: number; alpha: number; modules: LoraModule[] };
  /** Seeds the data-order and LoRA-init RNG streams. */
  seed: number;
  /** Save a checkpoint every N updates (0 = only when checkpoint() is called). */
  checkpointEvery: number;
  /** Most recent checkpoints kept per run (the best by validation is kept as well). */
  keepCheckpoints: number;
  /** Validation retrieval every N updates (0 = never automatically). */
  validateEvery: number;
  /** Long captions are cut to this many tokens (paper: 30–500-token captions). */
  maxLongTokens: number;
  /** Contrastive batches per optimizer update (gradient accumulation; optional, default 1). */
  accumulationSteps: number;
  /** Re-run each layer's forward during backward instead of keeping its activations
   * (per-layer activation recompute; optional, default false). */
  activationRecompute: boolean;
  /** Attach and train LoRA adapters (optional, default true; false = soft prompts only, the
   * decoder runs without adapters — an ablation). */
  trainLora: boolean;
  /** Train the two soft prompts (optional, default true; false = they stay at their init, the
   * prompt's instruction-token embeddings — an ablation). */
  trainSoftPrompts: boolean;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = Object.freeze({
  steps: 1000,
  batchSize: 64,
  chunkSize: 16,
  lr: 1e-4,
  warmupSteps: 50,
  minLrRatio: 0,
  weightDecay: 0.01,
  maxGradNorm: 1,
  lambdaContrastive: 1,
  lambdaNextToken: 1,
  temperature: 0.05,
  learnTemperature: false,
  lora: Object.freeze({ rank: 16, alpha: 16, modules: [...LORA_MODULES] }) as TrainConfig['lora'],
  seed: 0,
  checkpointEvery: 100,
  keepCheckpoints: 3,
  validateEvery: 100,
  maxLongTokens: 256,
  accumulationSteps: 1,
  activationRecompute: false,
  trainLora: true,
  trainSoftPrompts: true,
}) as TrainConfig;

/** Settings added after format 1 of the checkpoint: filled with defaults when absent. */
const OPTIONAL: (keyof TrainConfig)[] = ['accumulationSteps', 'activationRecompute', 'trainLora', 'trainSoftPrompts'];

export const ADAM_BETAS = { beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;

/** Inclusive upper bounds, with why (shown in the message). batchSize, lora.rank, seed,
 * maxLongTokens and accumulationSteps carry theirs in the integer checks below. */
export const TRAIN_CONFIG_LIMITS = Object.freeze({
  steps: [1_000_000, 'a million updates is weeks in a browser'],
  lr: [1e8, 'far past divergence already'],
  weightDecay: [10, 'AdamW multiplies each matrix by 1 − lr·weightDecay per step'],
  maxGradNorm: [1e9, 'a clip threshold; use a large value to clip nothing'],
  lambdaContrastive: [1e4, 'a loss weight'],
  lambdaNextToken: [1e4, 'a loss weight'],
  temperature: [100, 'InfoNCE divides the cosine similarities (in −1…1) by τ'],
  'lora.alpha': [65536, 'the LoRA scale is alpha / rank'],
  checkpointEvery: [1_000_000, 'the steps bound'],
  keepCheckpoints: [1000, 'each checkpoint takes browser storage'],
  validateEvery: [1_000_000, 'the steps bound'],
} as const satisfies Record<string, readonly [number, string]>);

export interface ConfigFieldError {
  field: string;
  message: string;
}

const FIELDS: (keyof TrainConfig)[] = [
  'steps', 'batchSize', 'chunkSize', 'lr', 'warmupSteps', 'minLrRatio', 'weightDecay', 'maxGradNorm',
  'lambdaContrastive', 'lambdaNextToken', 'temperature', 'learnTemperature', 'lora', 'seed',
  'checkpointEvery', 'keepCheckpoints', 'validateEvery', 'maxLongTokens', 'accumulationSteps', 'activationRecompute',
  'trainLora', 'trainSoftPrompts',
];

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : Array.isArray(v) ? JSON.stringify(v) : String(v));

export function validateTrainConfig(c: unknown): { config: TrainConfig } | { errors: ConfigFieldError[] } {
  const errors: ConfigFieldError[] = [];
  const fail = (field: string, message: string) => errors.push({ field, message });
  if (!c || typeof c !== 'object' || Array.isArray(c)) return { errors: [{ field: '(config)', message: `must be an object, got ${show(c)}` }] };
  const o = { ...(c as Record<string, unknown>) };
  for (const k of OPTIONAL) if (!(k in o)) o[k] = DEFAULT_TRAIN_CONFIG[k];
  for (const k of Object.keys(o)) {
    if (!(FIELDS as string[]).includes(k)) fail(k, `is not a training setting (known: ${FIELDS.join(', ')})`);
  }
  for (const k of FIELDS) if (!(k in o)) fail(k, 'is missing');
  if (errors.length) return { errors };

  const num = (f: string, v: unknown): v is number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) { fail(f, `must be a finite number, got ${show(v)}`); return false; }
    return true;
  };
  const int = (f: string, v: unknown, lo: number, hi = Number.MAX_SAFE_INTEGER, why = ''): boolean => {
    if (!num(f, v)) return false;
    if (!Number.isInteger(v) || v < lo || v > hi) {
      fail(f, `must be an integer ${hi === Number.MAX_SAFE_INTEGER ? `≥ ${lo}` : `in ${lo}…${hi}`}${why}, got ${v}`);
      return false;
    }
    return true;
  };
  type Bounded = keyof typeof TRAIN_CONFIG_LIMITS;
  /** False (and a message with the bound) when a finite number is above its limit. */
  const withinMax = (f: Bounded, v: number) => {
    const [max, why] = TRAIN_CONFIG_LIMITS[f];
    if (v > max) { fail(f, `must be ≤ ${max} (${why}), got ${v}`); return false; }
    return true;
  };
  const positive = (f: Bounded, v: unknown, what: string) => {
    if (num(f, v) && withinMax(f, v) && !(v > 0)) fail(f, `must be > 0 (${what}), got ${v}`);
  };
  const nonNeg = (f: Bounded, v: unknown) => {
    if (num(f, v) && withinMax(f, v) && v < 0) fail(f, `must be ≥ 0, got ${v}`);
  };
  const count = (f: Bounded, v: unknown, lo: number) => int(f, v, lo, TRAIN_CONFIG_LIMITS[f][0], ` (${TRAIN_CONFIG_LIMITS[f][1]})`);

  count('steps', o.steps, 1);
  const batchOk = int('batchSize', o.batchSize, 2, 65536, ' (the contrastive loss needs in-batch negatives)');
  if (batchOk) int('chunkSize', o.chunkSize, 1, o.batchSize as number, ' (a chunk is part of the batch)');
  else int('chunkSize', o.chunkSize, 1);
  positive('lr', o.lr, 'a learning rate of 0 never trains');
  if (int('warmupSteps', o.warmupSteps, 0, TRAIN_CONFIG_LIMITS.steps[0]) && Number.isInteger(o.steps) && (o.warmupSteps as number) > (o.steps as number)) {
    fail('warmupSteps', `(${o.warmupSteps}) must not exceed steps (${o.steps})`);
  }
  if (num('minLrRatio', o.minLrRatio) && !((o.minLrRatio as number) >= 0 && (o.minLrRatio as number) <= 1)) {
    fail('minLrRatio', `must be in [0, 1], got ${o.minLrRatio}`);
  }
  nonNeg('weightDecay', o.weightDecay);
  positive('maxGradNorm', o.maxGradNorm, 'the clip threshold');
  nonNeg('lambdaContrastive', o.lambdaContrastive);
  nonNeg('lambdaNextToken', o.lambdaNextToken);
  if (o.lambdaContrastive === 0 && o.lambdaNextToken === 0) {
    fail('lambdaContrastive', 'and lambdaNextToken are both 0: nothing would be trained');
  }
  positive('temperature', o.temperature, 'InfoNCE divides by it');
  if (typeof o.learnTemperature !== 'boolean') fail('learnTemperature', `must be true or false, got ${show(o.learnTemperature)}`);
  const lora = o.lora as Record<string, unknown> | null;
  if (!lora || typeof lora !== 'object' || Array.isArray(lora)) fail('lora', `must be an object { rank, alpha, modules }, got ${show(lora)}`);
  else {
    int('lora.rank', lora.rank, 1, 256);
    positive('lora.alpha', lora.alpha, 'the LoRA scale is alpha / rank');
    const m = lora.modules;
    if (!Array.isArray(m) || m.length === 0) fail('lora.modules', `must be a non-empty list of ${LORA_MODULES.join(', ')}, got ${show(m)}`);
    else {
      const bad = m.filter((x) => !LORA_MODULES.includes(x as LoraModule));
      if (bad.length) fail('lora.modules', `unknown module(s) ${show(bad)}; choose from ${LORA_MODULES.join(', ')}`);
      else if (new Set(m).size !== m.length) fail('lora.modules', `lists a module twice: ${show(m)}`);
    }
    for (const k of Object.keys(lora)) if (!['rank', 'alpha', 'modules'].includes(k)) fail(`lora.${k}`, 'is not a LoRA setting (known: rank, alpha, modules)');
  }
  int('seed', o.seed, 0, 0xffffffff);
  count('checkpointEvery', o.checkpointEvery, 0);
  count('keepCheckpoints', o.keepCheckpoints, 1);
  count('validateEvery', o.validateEvery, 0);
  int('maxLongTokens', o.maxLongTokens, 1, 4096);
  int('accumulationSteps', o.accumulationSteps, 1, 1024);
  if (typeof o.activationRecompute !== 'boolean') fail('activationRecompute', `must be true or false, got ${show(o.activationRecompute)}`);
  const lb = typeof o.trainLora === 'boolean', sb = typeof o.trainSoftPrompts === 'boolean';
  if (!lb) fail('trainLora', `must be true or false, got ${show(o.trainLora)}`);
  if (!sb) fail('trainSoftPrompts', `must be true or false, got ${show(o.trainSoftPrompts)}`);
  if (lb && sb && !o.trainLora && !o.trainSoftPrompts) fail('trainLora', 'and trainSoftPrompts are both false: nothing to train');
  if (errors.length) return { errors };

  const config = Object.fromEntries(FIELDS.map((k) => [k, o[k]])) as unknown as TrainConfig;
  // canonical module order (adapters, checkpoints and PEFT files list modules in LORA_MODULES order)
  const mods = (lora!.modules as LoraModule[]);
  config.lora = { rank: lora!.rank as number, alpha: lora!.alpha as number, modules: LORA_MODULES.filter((x) => mods.includes(x)) };
  return { config };
}

/**
 * DEFAULT_TRAIN_CONFIG with a recipe's fields over it (lora merged field by field) — what a
 * Start with untouched fields sends. Not validated: unknown or bad fields pass through for
 * validateTrainConfig to name.
 */
export function withRecipe(recipe: Record<string, unknown> = {}): TrainConfig {
  const d = DEFAULT_TRAIN_CONFIG;
  const lora = (recipe.lora ?? {}) as Partial<TrainConfig['lora']>;
  return { ...d, ...recipe, lora: { ...d.lora, ...lora } } as TrainConfig;
}

/** "batchSize: must be …; lr: must be …" — for an error message. */
export function describeConfigErrors(errors: readonly ConfigFieldError[]): string {
  return errors.map((e) => `${e.field}: ${e.message}`).join('; ');
}
