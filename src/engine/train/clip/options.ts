/**
 * Options of the CLIP baseline (clip.ts) and their validation.
 *
 * Public API:
 *   interface ClipOptions { seed, lr, warmupSteps, steps, weightDecay?, maxGradNorm?, temperature?,
 *     learnTemperature?, minLrRatio?, maxTextTokens? };  CLIP_DEFAULTS (the optional fields)
 *   resolveClipOptions(o) → ResolvedClipOptions   throws ClipError naming the bad field
 *   class ClipError
 * Defaults: AdamW weight decay 0.01 (matrices only), clip norm 1, τ init 0.07 learnable (CLIP),
 * cosine to 0 (minLrRatio 0), captions cut to 64 tokens (+ the end token).
 */

export interface ClipOptions {
  seed: number;
  /** Peak learning rate. */
  lr: number;
  warmupSteps: number;
  /** Length of the cosine schedule (updates). */
  steps: number;
  weightDecay?: number;
  maxGradNorm?: number;
  /** Initial τ. */
  temperature?: number;
  learnTemperature?: boolean;
  minLrRatio?: number;
  maxTextTokens?: number;
}

export const CLIP_DEFAULTS = {
  weightDecay: 0.01, maxGradNorm: 1, temperature: 0.07, learnTemperature: true, minLrRatio: 0, maxTextTokens: 64,
} as const;

export class ClipError extends Error {
  override readonly name = 'ClipError';
  constructor(where: string, detail: string) {
    super(`clip/clip.ts ${where}: ${detail}`);
  }
}

export type ResolvedClipOptions = Required<ClipOptions>;

export function resolveClipOptions(o: ClipOptions): ResolvedClipOptions {
  // an explicit `undefined` (e.g. an unset CLI flag) keeps the default
  const given = Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const r = { ...CLIP_DEFAULTS, ...given } as ResolvedClipOptions;
  const bad = (field: string, v: unknown, want: string) => new ClipError('create', `options.${field} must be ${want}, got ${v}`);
  if (!Number.isInteger(r.seed)) throw bad('seed', r.seed, 'an integer');
  for (const k of ['lr', 'weightDecay', 'minLrRatio'] as const) if (!(r[k] >= 0 && Number.isFinite(r[k]))) throw bad(k, r[k], 'a finite number ≥ 0');
  if (r.minLrRatio > 1) throw bad('minLrRatio', r.minLrRatio, 'in [0, 1]');
  if (!(r.maxGradNorm > 0)) throw bad('maxGradNorm', r.maxGradNorm, '> 0 (Infinity = no clipping)');
  if (!(r.temperature > 0 && Number.isFinite(r.temperature))) throw bad('temperature', r.temperature, 'a finite number > 0');
  if (typeof r.learnTemperature !== 'boolean') throw bad('learnTemperature', r.learnTemperature, 'true or false');
  if (!Number.isInteger(r.steps) || r.steps < 1) throw bad('steps', r.steps, 'a positive integer');
  if (!Number.isInteger(r.warmupSteps) || r.warmupSteps < 0 || r.warmupSteps > r.steps) throw bad('warmupSteps', r.warmupSteps, `an integer in [0, steps = ${r.steps}]`);
  if (!Number.isInteger(r.maxTextTokens) || r.maxTextTokens < 1) throw bad('maxTextTokens', r.maxTextTokens, 'a positive integer');
  return r;
}
