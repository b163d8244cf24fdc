// AdamW with global-norm gradient clipping, all on the GPU (no readback inside a step).
// The kernels of one update; the sequence (norm → NaN/Inf guard → clip → AdamW) lives once,
// in train/optimizer.ts (Optimizer.update), which every trainer calls.
// Semantics are torch.optim.AdamW (amsgrad=False, maximize=False) after
// torch.nn.utils.clip_grad_norm_(params, maxNorm); see adamw.wgsl and adamw.ref.ts.
// m and v are [same shape as param], zero before step 1; `step` counts from 1.
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkTensor, KernelArgumentError } from '../args.ts';
import adamwCode from './adamw.wgsl?raw';
import normCode from './grad_norm.wgsl?raw';
import normMultiCode from './grad_norm_multi.wgsl?raw';
import nonFiniteCode from './nonfinite.wgsl?raw';

export interface AdamWOptions {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count, used for the bias corrections. */
  step: number;
}

/** torch.optim.AdamW defaults (lr is the paper's 1e-4, torch's default is 1e-3). */
export const ADAMW_DEFAULTS = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 } as const;

const CHUNK = 256 * 8; // elements per workgroup in grad_norm.wgsl `partials` / grad_norm_multi.wgsl
const MULTI = 7; // gradient slots of grad_norm_multi.wgsl

/** One fused AdamW update of `param` (in place) from `grad`·clipScale[0]; updates m, v.
 * clipScale[0] < 0 (clipScaleGuarded after a NaN/Inf) leaves param, m and v unchanged. */
export function adamwStep(
  ctx: GpuContext, param: GpuTensor, grad: GpuTensor, m: GpuTensor, v: GpuTensor, clipScale: GpuTensor, o: AdamWOptions,
): void {
  const where = `adamw.ts adamwStep(${param.label})`;
  for (const [what, t] of [['grad', grad], ['m', m], ['v', v]] as const) checkTensor(where, what, t, param.shape);
  checkTensor(where, 'clipScale', clipScale, [1]);
  if (!Number.isInteger(o.step) || o.step < 1) throw new KernelArgumentError(where, `step must be an integer ≥ 1, got ${o.step}`);
  for (const k of ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'] as const) {
    if (!Number.isFinite(o[k]) || o[k] < 0) throw new KernelArgumentError(where, `${k} must be finite and ≥ 0, got ${o[k]}`);
  }
  if (o.beta1 >= 1 || o.beta2 >= 1) throw new KernelArgumentError(where, `betas must be < 1, got ${o.beta1}, ${o.beta2}`);
  const bc1 = 1 - o.beta1 ** o.step;
  const bc2 = 1 - o.beta2 ** o.step;
  ctx.dispatch({
    name: 'adamw_step', code: adamwCode, layout: ['uniform', 'rw', 'read', 'rw', 'rw', 'read'],
    bindings: [param, grad, m, v, clipScale],
    params: [u32(param.size), f32(o.lr), f32(o.beta1), f32(o.beta2), f32(o.eps), f32(1 - o.lr * o.weightDecay), f32(o.lr / bc1), f32(Math.sqrt(bc2))],
    workgroups: ctx.grid(Math.ceil(param.size / 256)),
  });
}

/** normSqOut[0] += Σ over all grads of Σ g² — deterministic two-phase reduction. */
export function globalGradNorm(ctx: GpuContext, normSqOut: GpuTensor, grads: readonly GpuTensor[]): void {
  const where = 'adamw.ts globalGradNorm';
  checkTensor(where, 'normSqOut', normSqOut, [1]);
  const counts = grads.map((g) => {
    if (g.dtype !== 'f32') throw new KernelArgumentError(where, `gradient ${g.label} has dtype ${g.dtype}, expected f32`);
    return Math.ceil(g.size / CHUNK);
  });
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) return;
  const partials = ctx.empty([total], 'grad_norm.partials');
  // up to 7 grads per dispatch (grad_norm_multi.wgsl: 7 inputs + partials = 8 storage
  // bindings, WebGPU's guaranteed per-stage minimum); same partials as one dispatch per grad
  const per = MULTI;
  let off = 0;
  for (let g0 = 0; g0 < grads.length; g0 += per) {
    const group = grads.slice(g0, g0 + per);
    const n = new Array<number>(8).fill(0), end = new Array<number>(8).fill(0);
    let wgs = 0;
    for (let j = 0; j < MULTI; j++) {
      if (j < group.length) { n[j] = group[j].size; wgs += counts[g0 + j]; }
      end[j] = wgs;
    }
    if (wgs > 0) {
      const slots = Array.from({ length: MULTI }, (_, j) => group[Math.min(j, group.length - 1)]);
      // a grad repeated in an unused slot is read-only twice: allowed (only writable aliasing is not)
      ctx.dispatch({
        name: 'grad_norm_partials', code: normMultiCode, layout: ['uniform', 'rw', ...slots.map(() => 'read' as const)],
        bindings: [partials, ...slots], params: [...n.map(u32), ...end.map(u32), u32(off)], workgroups: ctx.grid(wgs),
      });
    }
    off += wgs;
  }
  ctx.dispatch({
    name: 'grad_norm_final', code: normCode, entry: 'final_sum', layout: ['uniform', 'rw', 'read'],
    bindings: [normSqOut, partials], params: [u32(total), u32(0), f32(0)], workgroups: [1],
  });
  ctx.release(partials); // safe: the pool hands it out again only to later-encoded work
}

/** scale[0] = min(1, maxNorm / (sqrt(normSq[0]) + 1e-6)). maxNorm = Infinity disables clipping. */
export function clipScaleFromNorm(ctx: GpuContext, scale: GpuTensor, normSq: GpuTensor, maxNorm: number): void {
  const where = 'adamw.ts clipScaleFromNorm';
  checkTensor(where, 'scale', scale, [1]);
  checkTensor(where, 'normSq', normSq, [1]);
  if (!(maxNorm > 0)) throw new KernelArgumentError(where, `maxNorm must be > 0 (Infinity = no clipping), got ${maxNorm}`);
  ctx.dispatch({
    name: 'grad_clip_scale', code: normCode, entry: 'clip', layout: ['uniform', 'rw', 'read'],
    bindings: [scale, normSq], params: [u32(1), u32(0), f32(Math.min(maxNorm, 3.4e38))], workgroups: [1],
  });
}

/** As clipScaleFromNorm, but scale[0] = −1 when flag[0] ≠ 0 (a nonFiniteCheck flag): adamwStep
 * then changes nothing, so a guarded update needs no readback before it is encoded. */
export function clipScaleGuarded(ctx: GpuContext, scale: GpuTensor, normSq: GpuTensor, flag: GpuTensor, maxNorm: number): void {
  const where = 'adamw.ts clipScaleGuarded';
  checkTensor(where, 'scale', scale, [1]);
  checkTensor(where, 'normSq', normSq, [1]);
  checkTensor(where, 'flag', flag, [1], 'u32');
  if (!(maxNorm > 0)) throw new KernelArgumentError(where, `maxNorm must be > 0 (Infinity = no clipping), got ${maxNorm}`);
  ctx.dispatch({
    name: 'grad_clip_scale_guarded', code: normCode, entry: 'clip_guarded', layout: ['uniform', 'rw', 'read', 'read'],
    bindings: [scale, normSq, flag], params: [u32(1), u32(0), f32(Math.min(maxNorm, 3.4e38))], workgroups: [1],
  });
}

/** flag[0] |= 1 << min(k, 31) for every tensors[k] holding a NaN or ±Inf. flag: u32 [1]. */
export function nonFiniteCheck(ctx: GpuContext, flag: GpuTensor, tensors: readonly GpuTensor[]): void {
  const where = 'adamw.ts nonFiniteCheck';
  checkTensor(where, 'flag', flag, [1], 'u32');
  tensors.forEach((t, k) => {
    if (t.dtype !== 'f32') throw new KernelArgumentError(where, `tensor ${t.label} has dtype ${t.dtype}, expected f32`);
    ctx.dispatch({
      name: 'nonfinite_check', code: nonFiniteCode, layout: ['uniform', 'rw', 'read'],
      bindings: [flag, t], params: [u32(t.size), u32(Math.min(k, 31))], workgroups: ctx.grid(Math.ceil(t.size / 256)),
    });
  });
}

/** Names of the tensors whose bits are set in a nonFiniteCheck flag (bit 31 = index ≥ 31). */
export function nonFiniteNames(flag: number, names: readonly string[]): string[] {
  return names.filter((_, k) => (flag >>> Math.min(k, 31)) & 1);
}
