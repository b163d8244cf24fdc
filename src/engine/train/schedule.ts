/**
 * Learning-rate schedule: linear warmup, then cosine decay to a floor.
 *
 * Public API:
 *   interface ScheduleConfig { lr, warmupSteps, totalSteps, minLrRatio?, numCycles? }
 *   lrFactor(step, cfg) → multiplier in [0, 1]      (transformers' lr_lambda)
 *   lrAt(step, cfg)     → cfg.lr · lrFactor(step, cfg)
 *   validateSchedule(cfg) — throws ScheduleConfigError naming the bad field
 *
 * Formula (transformers optimization.py, `_get_cosine_with_min_lr_schedule_with_warmup_lr_lambda`;
 * with minLrRatio = 0 it is exactly `get_cosine_schedule_with_warmup`):
 *   step <  W:  factor = step / max(1, W)
 *   step >= W:  progress = (step − W) / max(1, T − W)
 *               c = 0.5 · (1 + cos(π · numCycles · 2 · progress))        (numCycles = 0.5 → one half-wave)
 *               factor = max(0, c · (1 − minLrRatio) + minLrRatio)
 *
 * Traps:
 *  * `step` is the number of optimizer updates ALREADY DONE (torch LambdaLR's `last_epoch`, since
 *    `scheduler.step()` runs after `optimizer.step()`). The k-th update (AdamW `step = k`,
 *    1-based for its bias correction) uses lrAt(k − 1, cfg). So with warmup the very first
 *    update has lr 0, exactly as in transformers.
 *  * Past T, transformers keeps evaluating the cosine, which climbs back up (progress > 1). We
 *    clamp progress to 1, so a run resumed with extra steps stays at the floor; identical to
 *    transformers for every step ≤ T.
 */

export interface ScheduleConfig {
  /** Peak learning rate (after warmup). */
  lr: number;
  /** W: linear ramp 0 → lr over steps [0, W). */
  warmupSteps: number;
  /** T: the cosine reaches the floor at step T. */
  totalSteps: number;
  /** Floor as a fraction of lr (transformers' min_lr_rate); default 0. */
  minLrRatio?: number;
  /** Cosine cycles over [W, T]; default 0.5 (monotone decay). */
  numCycles?: number;
}

export class ScheduleConfigError extends Error {
  constructor(readonly field: string, detail: string) {
    super(`schedule.ts: ScheduleConfig.${field} ${detail}`);
    this.name = 'ScheduleConfigError';
  }
}

export function validateSchedule(cfg: ScheduleConfig): void {
  const nonNegInt = (field: keyof ScheduleConfig, v: number | undefined) => {
    if (!Number.isInteger(v) || (v as number) < 0) throw new ScheduleConfigError(field, `must be an integer ≥ 0, got ${v}`);
  };
  if (!Number.isFinite(cfg.lr) || cfg.lr < 0) throw new ScheduleConfigError('lr', `must be a finite number ≥ 0, got ${cfg.lr}`);
  nonNegInt('warmupSteps', cfg.warmupSteps);
  nonNegInt('totalSteps', cfg.totalSteps);
  if (cfg.warmupSteps > cfg.totalSteps) {
    throw new ScheduleConfigError('warmupSteps', `(${cfg.warmupSteps}) must not exceed totalSteps (${cfg.totalSteps})`);
  }
  const r = cfg.minLrRatio ?? 0;
  if (!(r >= 0 && r <= 1)) throw new ScheduleConfigError('minLrRatio', `must be in [0, 1], got ${r}`);
  const c = cfg.numCycles ?? 0.5;
  if (!Number.isFinite(c) || c <= 0) throw new ScheduleConfigError('numCycles', `must be a positive number, got ${c}`);
}

/** Multiplier of the peak lr after `step` completed updates (see the trap above). */
export function lrFactor(step: number, cfg: ScheduleConfig): number {
  validateSchedule(cfg);
  if (!Number.isInteger(step) || step < 0) throw new ScheduleConfigError('(step)', `must be an integer ≥ 0, got ${step}`);
  const W = cfg.warmupSteps, T = cfg.totalSteps;
  if (step < W) return step / Math.max(1, W);
  const progress = Math.min(1, (step - W) / Math.max(1, T - W));
  const minRatio = cfg.minLrRatio ?? 0;
  const c = 0.5 * (1 + Math.cos(Math.PI * (cfg.numCycles ?? 0.5) * 2 * progress));
  return Math.max(0, c * (1 - minRatio) + minRatio);
}

export function lrAt(step: number, cfg: ScheduleConfig): number {
  return cfg.lr * lrFactor(step, cfg);
}
