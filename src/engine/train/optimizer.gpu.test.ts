// The one optimizer update (optimizer.ts) against torch: the six steps of adamw.golden.json
// (clip_grad_norm_ + AdamW, lr changing every step, clipping on odd steps) run through
// Optimizer.update on the GPU; then the guard (NaN loss / Inf grad → NonFiniteLossError
// naming it, nothing updated), apply:false, and decay only where a trainable asks for it.
import { describe, expect, test } from 'vitest';
import type { GpuContext } from '../gpu/context.ts';
import golden from '../kernels/optim/adamw.golden.json';
import { adamwStepRef } from '../kernels/optim/adamw.ref.ts';
import { expectClose } from '../testing/compare.ts';
import { useGpu } from '../testing/gpu.ts';
import { NonFiniteLossError, Optimizer } from './optimizer.ts';
import type { Trainable } from './params.ts';

function trainables(ctx: GpuContext, init: readonly number[][], decay: boolean[]): Trainable[] {
  return init.map((p, k) => ({
    name: `t${k}`, param: ctx.upload(p, [p.length], `t${k}`), decay: decay[k],
    grad: ctx.zeros([p.length], `g${k}`), m: ctx.zeros([p.length], `m${k}`), v: ctx.zeros([p.length], `v${k}`),
  }));
}

const release = (ctx: GpuContext, ts: Trainable[]) => ts.forEach((t) => ctx.release(t.param, t.grad, t.m, t.v));

describe('Optimizer.update', () => {
  const gpu = useGpu();

  test('matches torch clip_grad_norm_ + AdamW step for step (adamw.golden.json)', async () => {
    const ctx = gpu();
    const ts = trainables(ctx, golden.init, [true, true]);
    const opt = new Optimizer(ctx, ts, 'test');
    const loss = ctx.upload([1.25], [1], 'loss');
    for (const s of golden.steps) {
      ts.forEach((t, k) => ctx.write(t.grad, s.grads[k]));
      const r = await opt.update([{ name: 'loss', tensor: loss }], { ...golden.config, lr: s.lr, maxGradNorm: s.maxNorm }, s.step);
      expect(r.values).toEqual([1.25]);
      expect(r.gradNorm).toBeCloseTo(s.totalNorm, 4);
      for (const [k, t] of ts.entries()) {
        expectClose(await ctx.read(t.param), s.params[k], `param ${k} step ${s.step}`, { atol: 1e-6, rtol: 1e-5 });
        expectClose(await ctx.read(t.m), s.exp_avg[k], `exp_avg ${k} step ${s.step}`, { atol: 1e-6, rtol: 1e-4 });
        expectClose(await ctx.read(t.v), s.exp_avg_sq[k], `exp_avg_sq ${k} step ${s.step}`, { atol: 1e-6, rtol: 1e-4 });
      }
    }
    opt.dispose();
    ctx.release(loss);
    release(ctx, ts);
  });

  test('NaN/Inf anywhere → NonFiniteLossError naming it, before any update; apply:false changes nothing', async () => {
    const ctx = gpu();
    const ts = trainables(ctx, golden.init, [true, false]);
    const opt = new Optimizer(ctx, ts, 'test');
    const cfg = { ...golden.config, lr: 0.01, maxGradNorm: 1 };
    ts.forEach((t, k) => ctx.write(t.grad, golden.steps[0].grads[k]));
    const [lossA, lossB] = [ctx.upload([0.5], [1], 'a'), ctx.upload([NaN], [1], 'b')];
    const watched = [{ name: 'loss A', tensor: lossA }, { name: 'loss B', tensor: lossB }];
    const before = await Promise.all(ts.map((t) => ctx.read(t.param)));
    const err = await opt.update(watched, cfg, 7).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NonFiniteLossError);
    expect((err as Error).message).toMatch(/step 7: NaN\/Inf in loss B\. /);
    ctx.write(lossB, [2]);
    const g = Float32Array.from(golden.steps[0].grads[1]);
    g[3] = Infinity;
    ctx.write(ts[1].grad, g);
    await expect(opt.update(watched, cfg, 8)).rejects.toThrow(/NaN\/Inf in gradient norm\. /);
    for (const [k, t] of ts.entries()) expect(await ctx.read(t.param)).toEqual(before[k]);
    // apply:false: values and norm come back, params/moments stay
    ctx.write(ts[1].grad, golden.steps[0].grads[1]);
    const r = await opt.update(watched, cfg, 1, false);
    expect(r.values).toEqual([0.5, 2]);
    expect(r.gradNorm).toBeCloseTo(golden.steps[0].totalNorm, 4);
    for (const [k, t] of ts.entries()) {
      expect(await ctx.read(t.param)).toEqual(before[k]);
      expect(Array.from(await ctx.read(t.m)).every((x) => x === 0)).toBe(true);
    }
    // applied: weight decay on t0 (decay: true) only — t1 follows the wd = 0 reference
    await opt.update(watched, cfg, 1);
    const scale = Math.min(1, cfg.maxGradNorm / (r.gradNorm + 1e-6));
    for (const [k, t] of ts.entries()) {
      const p = Float64Array.from(before[k]);
      const z = () => new Float64Array(p.length);
      adamwStepRef(p, Float64Array.from(golden.steps[0].grads[k]), z(), z(), scale, { ...cfg, weightDecay: k === 0 ? cfg.weightDecay : 0, step: 1 });
      expectClose(await ctx.read(t.param), p, `param ${k}`, { atol: 1e-6, rtol: 1e-5 });
    }
    opt.dispose();
    ctx.release(lossA, lossB);
    release(ctx, ts);
  });
});
