// The training form ↔ TrainConfig. The form holds text per field (what the user typed); the
// engine's own validator (pure TS, shared with the worker) refuses bad settings client-side
// before train-start is sent, and the worker re-validates (its TrainConfigError carries fields).
import { LORA_MODULES } from '../../shared/lora.ts';
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig, type TrainConfig } from '../../shared/train_config.ts';

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

export function defaultForm(): Record<string, string> {
  const d = DEFAULT_TRAIN_CONFIG;
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
  form: Record<string, string>, modules: string[], learnTemperature: boolean,
): { config: TrainConfig; errors: null } | { config: null; errors: Record<string, string> } {
  const d = DEFAULT_TRAIN_CONFIG;
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
