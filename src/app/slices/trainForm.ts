// The training form ↔ TrainConfig. The form holds text per field (what the user typed); the
// engine's own validator (src/shared/train_config.ts, which the worker runs too) refuses bad settings client-side
// before train-start is sent, and the worker re-validates (its TrainConfigError carries fields).
// Defaults: the loaded model's recipe (ModelInfo.recipe: its discern.json, or values scaled to
// its size) over DEFAULT_TRAIN_CONFIG; fields the user typed in (`edited`) keep their text.
// The batch is clamped to the training split at Start (clampBatch), with a note saying so.
import { LORA_MODULES } from '../../shared/lora.ts';
import { validateTrainConfig, withRecipe, type TrainConfig } from '../../shared/train_config.ts';

/** Form fields in display order: key (dotted for lora), label, hint. */
export const FORM_FIELDS: { key: string; label: string; hint: string }[] = [
  { key: 'steps', label: 'Steps', hint: 'optimizer updates' },
  { key: 'batchSize', label: 'Batch', hint: 'images per update (≥ 2)' },
  { key: 'chunkSize', label: 'Chunk', hint: 'sequences per replay chunk (≤ batch)' },
  { key: 'lr', label: 'Learning rate', hint: 'peak, after warmup' },
  { key: 'warmupSteps', label: 'Warmup', hint: 'linear warmup steps' },
  { key: 'temperature', label: 'Temperature τ', hint: 'InfoNCE' },
  { key: 'lambdaContrastive', label: 'λ contrastive', hint: '' },
  { key: 'lambdaNextToken', label: 'λ next-token', hint: '' },
  { key: 'lora.rank', label: 'LoRA rank', hint: '1…256' },
  { key: 'lora.alpha', label: 'LoRA alpha', hint: 'scale = alpha / rank' },
  { key: 'checkpointEvery', label: 'Checkpoint every', hint: 'steps (0 = on pause/stop only)' },
  { key: 'validateEvery', label: 'Validate every', hint: 'steps (0 = never)' },
  { key: 'seed', label: 'Seed', hint: 'data order + LoRA init' },
];

export const ALL_MODULES: readonly string[] = LORA_MODULES;

/** A recipe's subset of settings (ModelInfo.recipe.config). */
export type RecipeConfig = Record<string, unknown>;

/** The form's text for a config: every FORM_FIELDS key. */
export function defaultForm(recipe: RecipeConfig = {}): Record<string, string> {
  const d = withRecipe(recipe);
  const out: Record<string, string> = {};
  for (const { key } of FORM_FIELDS) {
    const v = key.startsWith('lora.') ? d.lora[key.slice(5) as 'rank' | 'alpha'] : d[key as keyof TrainConfig];
    out[key] = String(v);
  }
  return out;
}

/** Text → number; blank or junk becomes NaN so the validator names the field. */
const num = (s: string | undefined) => (s === undefined || s.trim() === '' ? Number.NaN : Number(s));

/** Builds the full config (defaults for fields the form does not show) and validates it. */
export function formToConfig(
  form: Record<string, string>, modules: string[], learnTemperature: boolean, recipe: RecipeConfig = {},
): { config: TrainConfig; errors: null } | { config: null; errors: Record<string, string> } {
  const d = withRecipe(recipe);
  const c: Record<string, unknown> = { ...d, lora: { ...d.lora, modules } , learnTemperature };
  for (const { key } of FORM_FIELDS) {
    if (key.startsWith('lora.')) (c.lora as Record<string, unknown>)[key.slice(5)] = num(form[key]);
    else c[key] = num(form[key]);
  }
  const r = validateTrainConfig(c);
  if ('config' in r) return { config: r.config, errors: null };
  return { config: null, errors: fieldErrors(r.errors) };
}

/** [{field, message}] → field → message (messages for one field joined). */
export function fieldErrors(list: readonly { field: string; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of list) out[e.field] = out[e.field] ? `${out[e.field]}; ${e.message}` : e.message;
  return out;
}

/**
 * The form after a model load: the recipe's values, except the fields the user typed in
 * (`edited`, FORM_FIELDS keys plus 'lora.modules' / 'learnTemperature'), which keep theirs.
 */
export function formForRecipe(
  recipe: RecipeConfig, current: { form: Record<string, string>; modules: string[]; learnTemperature: boolean }, edited: readonly string[],
): { form: Record<string, string>; modules: string[]; learnTemperature: boolean } {
  const base = withRecipe(recipe);
  const form = defaultForm(recipe);
  for (const k of edited) if (k in current.form) form[k] = current.form[k];
  return {
    form,
    modules: edited.includes('lora.modules') ? current.modules : [...base.lora.modules],
    learnTemperature: edited.includes('learnTemperature') ? current.learnTemperature : base.learnTemperature,
  };
}

/**
 * A batch larger than the training split cannot be filled: lower it to the split (and the
 * chunk to the batch) and say so. `train` < 2 is left alone (the engine refuses it by name).
 */
export function clampBatch(config: TrainConfig, train: number | undefined): { config: TrainConfig; note: string | null } {
  if (train === undefined || train < 2 || config.batchSize <= train) return { config, note: null };
  const batchSize = train;
  const chunkSize = Math.min(config.chunkSize, batchSize);
  const note = `Batch lowered from ${config.batchSize} to ${batchSize}: the training split has ${train} examples` +
    (chunkSize !== config.chunkSize ? ` (chunk ${config.chunkSize} → ${chunkSize})` : '') + '.';
  return { config: { ...config, batchSize, chunkSize }, note };
}
