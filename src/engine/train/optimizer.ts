/**
 * The one optimizer update of every trainer (VladVA step, pretraining, CLIP baseline) — the
 * way llm.c has one `gpt2_update`. Per step, after the backward has filled every trainable's
 * grad:
 *   normSq = Σ‖g‖² over all grads (globalGradNorm, fixed reduction order)
 *   flag   = NaN/Inf bits over [watched scalars…, normSq] (nonFiniteCheck)
 *   apply  → scale = flag ? −1 : min(1, maxGradNorm / (‖g‖ + 1e-6)) (clipScaleGuarded), then
 *            AdamW on every trainable (decay only where `decay`); a negative scale makes AdamW
 *            change nothing, so the update is encoded before anything is read
 *   report = [flag, watched scalars…, normSq] copied into one small tensor, read ONCE: the
 *            step's only readback, and with it its only submit (forward, backward, check and
 *            update all go in one command buffer)
 *   flag set → throw NonFiniteLossError(step, names): params, m and v were left as they were
 * Semantics are torch's clip_grad_norm_ + AdamW (kernels/optim/adamw.ts, adamw.golden.json).
 *
 * Public API:
 *   interface OptimizerSettings { lr, beta1, beta2, eps, weightDecay, maxGradNorm }
 *   class NonFiniteLossError(step, what[])
 *   class Optimizer(ctx, trainables, label)
 *     update(watched: { name, tensor [1] }[], o, step (1-based), apply = true)
 *       → Promise<{ values: number[] (watched, in order), gradNorm }>
 *     dispose()
 * The caller owns where lr and step come from (a schedule, a counter) and the watched tensors.
 */
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { adamwStep, clipScaleGuarded, globalGradNorm, nonFiniteCheck, nonFiniteNames } from '../kernels/optim/adamw.ts';
import type { Trainable } from './params.ts';

export interface OptimizerSettings {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  /** Applied to trainables with `decay: true` only. */
  weightDecay: number;
  /** Global-norm clip; Infinity disables clipping. */
  maxGradNorm: number;
}

export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';
  constructor(step: number, what: string[]) {
    super(`Training diverged at step ${step}: NaN/Inf in ${what.join(', ')}. The run was stopped before the update; ` +
      `the last good checkpoint is kept. Lower the learning rate or enable gradient clipping.`);
  }
}

/** A scalar [1] tensor (a loss term) that is NaN-checked and read back with the update. */
export interface Watched {
  name: string;
  tensor: GpuTensor;
}

export interface UpdateResult {
  /** values[k] = watched[k].tensor[0]. */
  values: number[];
  /** ‖g‖ before clipping. */
  gradNorm: number;
}

export class Optimizer {
  private readonly normSq: GpuTensor;
  private readonly clip: GpuTensor;
  private readonly flag: GpuTensor;

  constructor(readonly ctx: GpuContext, readonly trainables: readonly Trainable[], private readonly label: string) {
    this.normSq = ctx.empty([1], `${label}.normSq`);
    this.clip = ctx.empty([1], `${label}.clipScale`);
    this.flag = ctx.empty([1], `${label}.nonFinite`, 'u32');
  }

  /** One guarded update; `step` is 1-based (AdamW bias correction, error message). With
   * `apply: false` nothing changes: the grads stay in place (tests, eval). */
  async update(watched: readonly Watched[], o: OptimizerSettings, step: number, apply = true): Promise<UpdateResult> {
    const { ctx } = this;
    ctx.clear(this.normSq);
    ctx.clear(this.flag);
    globalGradNorm(ctx, this.normSq, this.trainables.map((t) => t.grad));
    nonFiniteCheck(ctx, this.flag, [...watched.map((w) => w.tensor), this.normSq]);
    if (apply) {
      clipScaleGuarded(ctx, this.clip, this.normSq, this.flag, o.maxGradNorm);
      for (const t of this.trainables) {
        adamwStep(ctx, t.param, t.grad, t.m, t.v, this.clip, {
          lr: o.lr, beta1: o.beta1, beta2: o.beta2, eps: o.eps, weightDecay: t.decay ? o.weightDecay : 0, step,
        });
      }
    }
    // [flag (u32 bits), watched…, normSq]: one readback (and the step's one submit)
    const report = ctx.empty([watched.length + 2], `${this.label}.report`);
    ctx.copyRange(this.flag, 0, report, 0, 1);
    watched.forEach((w, k) => ctx.copyRange(w.tensor, 0, report, 1 + k, 1));
    ctx.copyRange(this.normSq, 0, report, watched.length + 1, 1);
    let host: Float32Array;
    try {
      host = await ctx.read(report);
    } finally {
      ctx.release(report);
    }
    const flag = new Uint32Array(host.buffer, host.byteOffset, 1)[0];
    const values = Array.from(host.subarray(1, 1 + watched.length));
    const gradNorm = Math.sqrt(host[watched.length + 1]);
    if (flag) throw new NonFiniteLossError(step, nonFiniteNames(flag, [...watched.map((w) => w.name), 'gradient norm']));
    return { values, gradNorm };
  }

  dispose(): void {
    this.ctx.release(this.normSq, this.clip, this.flag);
  }
}
