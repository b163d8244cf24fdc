// The full-parameter pretraining step on an odd tiny VLM (vision D 15, 3 heads, I 21, image 18,
// patch 3, scale 3 → 4 tokens; decoder H 24, 3 heads of 8, 1 KV head, I 40, 2 layers):
//  - the step's gradient of vision AND decoder tensors (incl. the connector, embeddings and the
//    lm head) matches central finite differences of the step's own loss along a direction
//    mixing the gradient and a random vector (f32 on the GPU: a few % relative tolerance);
//  - the loss falls over 10 AdamW steps on 4 fixed examples, and downloadWeights returns every
//    checkpoint tensor (HF names of expectedWeights) with changed values.
import { describe, expect, test } from 'vitest';
import { buildTinyModel, DEFAULT_TINY } from '../../../../scripts/tiny-model/tiny-model.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { folderFromMap } from '../../model/io/folder.ts';
import { expectedWeights, isVisionWeight, loadWeights } from '../../model/io/weights.ts';
import { releaseVisionWeights, uploadVisionWeights } from '../../model/vision/weights.ts';
import { Vlm } from '../../model/vlm/vlm.ts';
import { downloadWeights, pretrainTrainables, releasePretrainParams } from './params.ts';
import { PretrainStep, type PretrainExample, type PretrainStepConfig } from './step.ts';

const CFG: PretrainStepConfig = { lr: 1e-2, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.01, maxGradNorm: 1e9, maxLongTokens: 12 };

async function setup(ctx: GpuContext) {
  const m = buildTinyModel({
    seed: 5, vision: { hidden: 15, layers: 2, heads: 3, intermediate: 21, image: 18, patch: 3 },
    text: { ...DEFAULT_TINY.text, hidden: 24, heads: 3, kvHeads: 1, headDim: 8, intermediate: 40 }, scaleFactor: 3,
  });
  const folder = folderFromMap('odd', m.files);
  const vlm = await Vlm.load(ctx, folder, { lora: null });
  vlm.useAdapters = false;
  const vision = uploadVisionWeights(ctx, m.config, await loadWeights(folder, m.config, { only: isVisionWeight }));
  const params = pretrainTrainables(ctx, vlm.weights, vision, false);
  const step = new PretrainStep(ctx, vlm, vision, params);
  const px = 3 * 18 * 18;
  const examples: PretrainExample[] = [
    { pixels: randn(px, 1), caption: 'a red cube left of a blue ball', long: false },
    { pixels: randn(px, 2), caption: 'There is a small green triangle in the top left of the image. It is alone.', long: true },
    { pixels: randn(px, 3), caption: 'a yellow diamond', long: false },
    { pixels: randn(px, 4), caption: 'This picture shows two objects on a plain dark gray background.', long: true },
  ];
  const dispose = () => {
    step.dispose();
    releasePretrainParams(ctx, params);
    releaseVisionWeights(ctx, vision);
    vlm.dispose();
  };
  return { m, vlm, params, step, examples, dispose };
}

const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
};

describe('pretraining step (full parameters, GPU)', () => {
  const gpu = useGpu();

  test('gradients of vision and decoder tensors match central finite differences of the loss', async () => {
    const ctx = gpu();
    const { params, step, examples, dispose } = await setup(ctx);
    const batch = [examples[2], examples[0], examples[1]]; // shorts not first: the step groups them itself
    const lossAt = async () => (await step.run(batch, CFG, 1, { apply: false })).loss;
    const m0 = await step.run(batch, CFG, 1, { apply: false });
    expect(m0.loss).toBeGreaterThan(1);
    expect(m0.captionTokens).toBeGreaterThan(10);
    const grads = new Map<string, Float32Array>();
    for (const t of params.trainables) grads.set(t.name, await ctx.read(t.grad));
    for (const t of params.trainables) expect(Math.max(...grads.get(t.name)!.map(Math.abs)), `${t.name} has a gradient`).toBeGreaterThan(0);
    const names = [
      'model.vision_model.embeddings.patch_embedding.weight', 'model.vision_model.embeddings.position_embedding.weight',
      'model.vision_model.encoder.layers.0.self_attn.q_proj.weight', 'model.vision_model.encoder.layers.1.mlp.fc1.bias',
      'model.vision_model.post_layernorm.weight', 'model.connector.modality_projection.proj.weight',
      'model.text_model.embed_tokens.weight', 'model.text_model.layers.0.self_attn.k_proj.weight',
      'model.text_model.layers.1.mlp.down_proj.weight', 'model.text_model.norm.weight', 'lm_head.weight',
    ];
    for (const [k, name] of names.entries()) {
      const tr = params.trainables.find((t) => t.name === name)!;
      const g = grads.get(name)!;
      const p0 = await ctx.read(tr.param);
      // unit direction: half the normalised gradient, half a random vector
      const r = randn(g.length, 100 + k);
      const gn = Math.sqrt(dot(g, g)), rn = Math.sqrt(dot(r, r));
      const d = g.map((x, i) => x / gn + r[i] / rn);
      const dn = Math.sqrt(dot(d, d));
      d.forEach((x, i) => (d[i] = x / dn));
      const analytic = dot(g, d);
      const eps = Math.min(0.05, 0.02 / Math.max(Math.abs(analytic), 1e-3));
      ctx.write(tr.param, p0.map((x, i) => x + eps * d[i]));
      const up = await lossAt();
      ctx.write(tr.param, p0.map((x, i) => x - eps * d[i]));
      const down = await lossAt();
      ctx.write(tr.param, p0);
      const numeric = (up - down) / (2 * eps);
      expect(Math.abs(numeric - analytic), `${name}: FD ${numeric} vs step gradient ${analytic}`)
        .toBeLessThanOrEqual(0.04 * Math.abs(analytic) + 2e-4);
    }
    dispose();
  });

  test('loss falls over 10 steps on 4 fixed examples; every checkpoint tensor comes back under its HF name', async () => {
    const ctx = gpu();
    const { m, params, step, examples, dispose } = await setup(ctx);
    const before = await downloadWeights(ctx, params.trainables);
    expect([...before.keys()].sort()).toEqual(expectedWeights(m.config).map((s) => s.name).sort());
    for (const [name, t] of Object.entries(m.weights)) expect(before.get(name), name).toEqual(t.data);
    const losses: number[] = [];
    for (let k = 1; k <= 10; k++) losses.push((await step.run(examples, CFG, k)).loss);
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses[9]).toBeLessThan(0.6 * losses[0]);
    const after = await downloadWeights(ctx, params.trainables);
    for (const [name, t] of before) expect(after.get(name), `${name} was updated`).not.toEqual(t);
    dispose();
  });
});
