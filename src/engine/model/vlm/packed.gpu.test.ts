// A bf16 model folder end to end with its frozen weights kept packed on the GPU, against the
// same folder decoded to f32 on load (frozenPrecision: 'f32'). Both paths see the same bf16
// values, so embeddings and every trainable's gradient of a VladVA step must agree to float32
// noise, while the pool holds about half the bytes for the frozen weights. Tied embeddings
// (as SmolVLM): the packed embed table is also the packed lm_head of the next-token loss; and
// the same table split in row parts under a forced small limit (embedding, CE, generation).
import { describe, expect, test } from 'vitest';
import { buildTinyModel } from '../../../../scripts/tiny-model/tiny-model.ts';
import { DEFAULT_LOG_TAU } from '../../kernels/loss/infonce.ts';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../util/random.ts';
import { collectTrainables, releaseTrainables } from '../../train/params.ts';
import { VladvaStep, type StepConfig, type TrainBatch } from '../../train/vladva_step.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { folderFromMap } from '../io/folder.ts';
import { adapterTensors } from './adapters.ts';
import { generate } from './generate.ts';
import { Vlm } from './vlm.ts';
import type { LoraModule } from '../decoder/types.ts';

const CFG: StepConfig = {
  lambdaContrastive: 1, lambdaNextToken: 1, chunkSize: 2, maxGradNorm: 1e9, lr: 1e-2,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxLongTokens: 30,
};
const TOL = { atol: 1e-5, rtol: 1e-4 };

/** One VladVA step without the update: its metrics and every trainable's gradient, in order. */
async function stepGrads(ctx: GpuContext, vlm: Vlm, batch: TrainBatch) {
  const logTau = ctx.upload(new Float32Array([DEFAULT_LOG_TAU]), [1], 'logTau');
  const tr = collectTrainables(ctx, vlm, logTau, false);
  const metrics = await new VladvaStep(ctx, vlm, tr, logTau).run(batch, CFG, 1, { apply: false });
  const g = await Promise.all(tr.map(async (t) => ({ name: t.name, g: await ctx.read(t.grad) })));
  releaseTrainables(ctx, tr);
  ctx.release(logTau);
  return { metrics, g };
}

describe('bf16 model: packed frozen weights vs the f32-decoded path', () => {
  const gpu = useGpu();

  test('half the frozen bytes; same embeddings and VladVA gradients', async () => {
    const ctx = gpu();
    const m = buildTinyModel({ dtype: 'bf16', shards: 2, tieWordEmbeddings: true });
    const lora = { rank: 4, alpha: 8, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const };
    const live0 = ctx.pool.liveBytes;
    const packed = await Vlm.load(ctx, folderFromMap('tiny-bf16', m.files), { seed: 3, lora: { ...lora, modules: [...lora.modules] } });
    const livePacked = ctx.pool.liveBytes - live0;
    const live1 = ctx.pool.liveBytes;
    const f32 = await Vlm.load(ctx, folderFromMap('tiny-bf16', m.files), { seed: 3, lora: { ...lora, modules: [...lora.modules] }, frozenPrecision: 'f32' });
    const liveF32 = ctx.pool.liveBytes - live1;

    // memory: the linears and the (tied) table are bf16, the norm vectors f32
    expect(packed.weights.layers[0].q.dtype).toBe('bf16');
    expect(packed.weights.embed.dtype).toBe('bf16');
    expect(packed.weights.lmHead).toBe(packed.weights.embed);
    expect(packed.weights.finalNorm.dtype).toBe('f32');
    expect(f32.weights.layers[0].q.dtype).toBe('f32');
    const [fp, ff] = [packed.frozenBytes(), f32.frozenBytes()];
    console.log(`frozen bytes: packed ${fp.bytes} (pool ${fp.pooled}), f32 ${ff.bytes} (pool ${ff.pooled}); whole load: ${livePacked} vs ${liveF32} pool bytes`);
    expect(fp.bytes / ff.bytes).toBeGreaterThan(0.5);
    expect(fp.bytes / ff.bytes).toBeLessThan(0.52);
    expect(fp.pooled / ff.pooled).toBeLessThan(0.56);
    // the pool's own accounting sees the same saving (adapters and soft prompts are equal)
    expect(liveF32 - livePacked).toBe(ff.pooled - fp.pooled);

    // same trainables in both
    for (const vlm of [packed, f32]) adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 300 + i, 0.05)));
    expect([...(await ctx.read(packed.softPrompts.text))]).toEqual([...(await ctx.read(f32.softPrompts.text))]);

    const texts = ['a red cube left of a blue ball', 'a small green triangle'];
    expectClose(await ctx.read(packed.embedTexts(texts)), await ctx.read(f32.embedTexts(texts)), 'text embeddings', TOL);
    const H = packed.dims.hidden, n = 3;
    const feats = ctx.upload(randn(n * packed.tokensPerImage * H, 5), [n, packed.tokensPerImage, H], 'features');
    expectClose(await ctx.read(packed.embedImages(feats, n)), await ctx.read(f32.embedImages(feats, n)), 'image embeddings', TOL);

    // one VladVA step (contrastive + next-token through the tied packed lm_head), no update
    const batch = {
      features: feats,
      shortCaptions: ['a red cube', 'a blue ball', 'a green triangle'],
      longCaptions: ['a red cube sits on the left of a small grey square, above a large green ball', null, 'a green triangle below a yellow cube'],
    };
    const grads = (vlm: Vlm) => stepGrads(ctx, vlm, batch);
    const [gp, gf] = [await grads(packed), await grads(f32)];
    expect(gp.metrics.nextToken).toBeGreaterThan(0);
    expect(gp.metrics.loss).toBeCloseTo(gf.metrics.loss, 4);
    gp.g.forEach((x, i) => expectClose(x.g, gf.g[i].g, `grad ${x.name}`, { atol: 1e-5, rtol: 1e-3 }));
    ctx.release(feats);
    packed.dispose();
    f32.dispose();
  });

  test('the tied packed table split in row parts (forced limit): same embeddings, gradients and generated logits', async () => {
    const ctx = gpu();
    const m = buildTinyModel({ dtype: 'bf16', tieWordEmbeddings: true });
    const opts = { seed: 5, lora: { rank: 4, alpha: 8, modules: ['q', 'v', 'gate', 'down'] as LoraModule[] } };
    const whole = await Vlm.load(ctx, folderFromMap('tiny-bf16', m.files), opts);
    const split = await Vlm.load(ctx, folderFromMap('tiny-bf16', m.files), { ...opts, splitBytes: 128 * 64 * 2 });
    const V = whole.dims.vocab;
    expect(whole.weights.embed.parts).toBeUndefined();
    expect(split.weights.embed.parts?.map((p) => p.shape[0])).toEqual([128, 128, 128, V - 384]);
    expect(split.weights.lmHead).toBe(split.weights.embed); // tied: the same parts
    for (const vlm of [whole, split]) adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 400 + i, 0.05)));
    const texts = ['a red cube left of a blue ball', 'a small green triangle'];
    expect([...(await ctx.read(split.embedTexts(texts)))]).toEqual([...(await ctx.read(whole.embedTexts(texts)))]);
    const H = whole.dims.hidden;
    const feats = ctx.upload(randn(2 * whole.tokensPerImage * H, 6), [2, whole.tokensPerImage, H], 'features');
    const batch = { features: feats, shortCaptions: ['a red cube', 'a blue ball'], longCaptions: ['a red cube sits on the left of a small grey square', 'a blue ball'] };
    const grads = (vlm: Vlm) => stepGrads(ctx, vlm, batch);
    const [gs, gw] = [await grads(split), await grads(whole)];
    expect(gs.metrics.nextToken).toBeCloseTo(gw.metrics.nextToken, 5);
    gs.g.forEach((x, i) => expectClose(x.g, gw.g[i].g, `grad ${x.name}`, TOL));
    const logits = async (vlm: Vlm) => {
      const z: Float32Array[] = [];
      const extra = vlm.buildExtra(feats, 0, 1);
      await generate(vlm, vlm.captionSequence(), extra, { maxNewTokens: 3, stopIds: [], onLogits: (l) => z.push(l) });
      ctx.release(extra);
      return z;
    };
    const [zs, zw] = [await logits(split), await logits(whole)];
    zs.forEach((z, i) => expectClose(z, zw[i], `logits step ${i}`, TOL));
    ctx.release(feats);
    whole.dispose();
    split.dispose();
  });
});
