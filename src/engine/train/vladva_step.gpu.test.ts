// The VladVA step on the tiny model: GradCache chunking does not change the gradients, the
// gradients match finite differences of the loss, the loss falls, and a batch of 1024 runs in
// bounded memory.
import { describe, expect, test } from 'vitest';
import type { GpuContext } from '../gpu/context.ts';
import { DEFAULT_LOG_TAU } from '../kernels/loss/infonce.ts';
import { expectClose } from '../testing/compare.ts';
import { useGpu } from '../testing/gpu.ts';
import { randn } from '../util/random.ts';
import { folderFromUrl } from '../model/io/folder.ts';
import { adapterTensors } from '../model/vlm/adapters.ts';
import { Vlm } from '../model/vlm/vlm.ts';
import { collectTrainables, releaseTrainables } from './params.ts';
import { Rng } from './rng.ts';
import { VladvaStep, type StepConfig, type TrainBatch } from './vladva_step.ts';

const MODEL_URL = new URL('/models/tiny-random/', location.origin).href;
const COLOURS = ['red', 'green', 'blue', 'yellow'];
const SHAPES = ['cube', 'ball', 'triangle'];

const CFG: StepConfig = {
  lambdaContrastive: 1, lambdaNextToken: 1, chunkSize: 3, maxGradNorm: 1e9, lr: 1e-2,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxLongTokens: 40,
};

function makeBatch(ctx: GpuContext, vlm: Vlm, K: number, seed: number, withLong = true): TrainBatch {
  const H = vlm.dims.hidden;
  const shortCaptions = Array.from({ length: K }, (_, i) => `a ${COLOURS[i % 4]} ${SHAPES[(i >> 2) % 3]}`);
  const longCaptions = shortCaptions.map((s, i) => (!withLong || i % 3 === 2 ? null : `${s} sits on the left of a small grey square, above a large green ball`));
  return { features: ctx.upload(randn(K * vlm.tokensPerImage * H, seed), [K, vlm.tokensPerImage, H], 'features'), shortCaptions, longCaptions };
}

async function setup(ctx: GpuContext, learnTau = false) {
  const vlm = await Vlm.load(ctx, folderFromUrl(MODEL_URL), { seed: 4, lora: { rank: 4, alpha: 8, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } });
  adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 200 + i, 0.05)));
  const logTau = ctx.upload(new Float32Array([learnTau ? Math.log(0.2) : DEFAULT_LOG_TAU]), [1], 'logTau');
  const trainables = collectTrainables(ctx, vlm, logTau, learnTau);
  return { vlm, logTau, trainables, step: new VladvaStep(ctx, vlm, trainables, logTau) };
}

describe('VladVA step with gradient caching', () => {
  const gpu = useGpu();

  test('chunking leaves gradients unchanged; gradients match finite differences of the loss', async () => {
    const ctx = gpu();
    const { vlm, trainables, step } = await setup(ctx, true);
    const batch = makeBatch(ctx, vlm, 7, 1);
    const gradsAt = async (chunkSize: number) => {
      const m = await step.run(batch, { ...CFG, chunkSize }, 1, { apply: false });
      return { m, grads: await Promise.all(trainables.map((t) => ctx.read(t.grad))) };
    };
    const one = await gradsAt(7);
    const many = await gradsAt(2);
    expect(many.m.contrastive).toBeCloseTo(one.m.contrastive, 4);
    expect(many.m.nextToken).toBeCloseTo(one.m.nextToken, 4);
    expect(one.m.nextToken).toBeGreaterThan(0);
    trainables.forEach((t, i) => expectClose(many.grads[i], one.grads[i], `grad ${t.name} chunk 2 vs 7`, { atol: 1e-5, rtol: 1e-3 }));

    // central differences in f32: several seeded random entries of every kind of trainable —
    // both soft prompts, LoRA A and B of attention and MLP modules in both layers, the temperature
    const loss = async () => (await step.run(batch, { ...CFG, chunkSize: 7 }, 1, { apply: false })).loss;
    const pick = Rng.fromSeed(516);
    const CHECKED = ['softPrompt.image', 'softPrompt.text', 'L0.q.A', 'L1.v.B', 'L0.down.A', 'L1.gate.B', 'L0.o.B', 'L1.up.A', 'logTau'];
    const report: string[] = [];
    for (const name of CHECKED) {
      const i = trainables.findIndex((t) => t.name === name);
      expect(i, `trainable ${name}`).toBeGreaterThanOrEqual(0);
      const t = trainables[i];
      const p = await ctx.read(t.param);
      const idx = new Set<number>();
      while (idx.size < Math.min(2, p.length)) idx.add(pick.int(p.length)); // 2 per tensor: 36 loss runs
      for (const j of idx) {
        const eps = 1e-2;
        const orig = p[j];
        p[j] = orig + eps; ctx.write(t.param, p); const lp = await loss();
        p[j] = orig - eps; ctx.write(t.param, p); const lm = await loss();
        p[j] = orig; ctx.write(t.param, p);
        const fd = (lp - lm) / (2 * eps);
        const g = one.grads[i][j];
        report.push(`${name}[${j}] fd ${fd.toExponential(3)} grad ${g.toExponential(3)}`);
        expect(Math.abs(fd - g), `finite differences for ${name}[${j}]: fd ${fd}, analytic ${g}`).toBeLessThan(2e-4 + 0.03 * Math.abs(fd)); // f32 central differences: ~1e-5 noise at eps 1e-2
      }
    }
    console.log(report.join('\n'));
    // the check has teeth: the image soft prompt's gradient is not all zero
    const img = trainables.findIndex((t) => t.name === 'softPrompt.image');
    expect(Math.max(...one.grads[img].map(Math.abs))).toBeGreaterThan(1e-4);
    step.dispose();
    releaseTrainables(ctx, trainables);
    ctx.release(batch.features);
    vlm.dispose();
  });

  test('gradient accumulation averages micro-batch gradients; per-layer recompute changes nothing', async () => {
    const ctx = gpu();
    const { vlm, trainables, step } = await setup(ctx);
    const b1 = makeBatch(ctx, vlm, 4, 11);
    const b2 = makeBatch(ctx, vlm, 4, 12);
    const grads = async () => Promise.all(trainables.map((t) => ctx.read(t.grad)));
    const m1 = await step.run(b1, CFG, 1, { apply: false });
    const g1 = await grads();
    const m2 = await step.run(b2, CFG, 1, { apply: false });
    const g2 = await grads();
    const mAcc = await step.runAccumulated([b1, b2], CFG, 1, { apply: false });
    const gAcc = await grads();
    expect(mAcc.loss).toBeCloseTo((m1.loss + m2.loss) / 2, 4);
    trainables.forEach((t, i) => expectClose(gAcc[i], g1[i].map((v, j) => (v + g2[i][j]) / 2), `accumulated grad ${t.name}`, { atol: 1e-5, rtol: 1e-3 }));
    const mRe = await step.run(b1, { ...CFG, activations: 'recompute' }, 1, { apply: false });
    const gRe = await grads();
    expect(mRe.loss).toBeCloseTo(m1.loss, 5);
    trainables.forEach((t, i) => expectClose(gRe[i], g1[i], `recompute grad ${t.name}`, { atol: 1e-6, rtol: 1e-4 }));
    step.dispose();
    releaseTrainables(ctx, trainables);
    ctx.release(b1.features, b2.features);
    vlm.dispose();
  });

  test('the loss falls over a short run', async () => {
    const ctx = gpu();
    const { vlm, trainables, step } = await setup(ctx);
    const batch = makeBatch(ctx, vlm, 8, 2);
    const losses: number[] = [];
    for (let s = 1; s <= 12; s++) losses.push((await step.run(batch, { ...CFG, lr: 3e-2, chunkSize: 4 }, s)).loss);
    expect(losses[losses.length - 1]).toBeLessThan(0.6 * losses[0]);
    step.dispose();
    releaseTrainables(ctx, trainables);
    ctx.release(batch.features);
    vlm.dispose();
  });

  test('a contrastive batch of 1024 runs with gradient caching; memory bounded by the chunk', { timeout: 900_000 }, async () => {
    const ctx = gpu();
    const { vlm, trainables, step } = await setup(ctx);
    // chunks of 128: 8 replays (CI time; the tiny model's step is bound by dispatches, not size)
    const small = makeBatch(ctx, vlm, 128, 3, false); // contrastive only: the batch size is what is tested
    let t0 = performance.now();
    const m128 = await step.run(small, { ...CFG, chunkSize: 128 }, 1);
    console.log(`batch 128: ${(performance.now() - t0).toFixed(0)} ms`);
    t0 = performance.now();
    const big = makeBatch(ctx, vlm, 1024, 4, false);
    const m1024 = await step.run(big, { ...CFG, chunkSize: 128 }, 2);
    console.log(`batch 1024: ${(performance.now() - t0).toFixed(0)} ms`);
    console.log(`peak GPU memory: batch 128 → ${(m128.peakBytes / 2 ** 20).toFixed(1)} MiB, batch 1024 (chunks of 128) → ${(m1024.peakBytes / 2 ** 20).toFixed(1)} MiB`);
    expect(Number.isFinite(m1024.loss)).toBe(true);
    expect(m1024.contrastive).toBeGreaterThan(Math.log(1024) * 0.5);
    // activations are per chunk: 8× the batch costs far less than 8× the memory
    expect(m1024.peakBytes).toBeLessThan(3 * m128.peakBytes + big.features.size * 4);
    step.dispose();
    releaseTrainables(ctx, trainables);
    ctx.release(small.features, big.features);
    vlm.dispose();
  });
});
