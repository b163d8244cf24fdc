/**
 * A whole pretraining run on one GpuContext (browser page or GPU test): load the initial
 * model folder, train every weight on the synthetic benchmark's TRAIN split, then measure a
 * held-out loss and caption a few TEST scenes greedily.
 *
 * Public API:
 *   interface PretrainOptions { steps, batch, lr, warmupSteps, minLrRatio, weightDecay,
 *     maxGradNorm, maxLongTokens, seed, trainScenes?, evalScenes, samples, sampleTokens }
 *   interface PretrainProgress { step, steps, loss, gradNorm, lr, tokens, captionTokens,
 *     stepMs, elapsedMs, tokensPerSec, etaSec, counts (GpuCounts of the step) }
 *   runPretrain(ctx, folder, opts, onProgress, onCheckpoint?) → Promise<PretrainResult>
 *     { weights: Map<HF name, Float32Array>, evalLoss, samples: {id, reference, generated}[], trainMs }
 *
 * The Vlm is loaded without LoRA and used with useAdapters = false; its decoder weights and
 * the native vision tower's weights are the trainables (params.ts). Learning rate: linear
 * warmup then cosine to minLrRatio·lr (schedule.ts; update k uses lrAt(k − 1)).
 * Determinism: data order from the seed (data.ts); weights come from the folder (the init is
 * seeded by its writer). Same folder + options → same weights on the same GPU/driver.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuCounts } from '../../gpu/counters.ts';
import type { PreprocessorConfig } from '../../data/preprocess.ts';
import { syntheticBenchmark } from '../../data/synthetic/benchmark.ts';
import type { SyntheticScene } from '../../data/synthetic/generate.ts';
import type { ModelFolder } from '../../model/io/folder.ts';
import { isVisionWeight, loadWeights } from '../../model/io/weights.ts';
import { visionTowerForward } from '../../model/vision/tower.ts';
import { releaseVisionWeights, uploadVisionWeights, type VisionWeights } from '../../model/vision/weights.ts';
import { generate } from '../../model/vlm/generate.ts';
import { Vlm } from '../../model/vlm/vlm.ts';
import { lrAt } from '../schedule.ts';
import { imageTrainSequence } from '../vladva_step.ts';
import { pretrainSchedule, scenePixels } from './data.ts';
import { downloadWeights, pretrainTrainables, releasePretrainParams } from './params.ts';
import { PretrainStep, type PretrainExample } from './step.ts';

export interface PretrainOptions {
  steps: number;
  batch: number;
  lr: number;
  warmupSteps: number;
  minLrRatio: number;
  weightDecay: number;
  maxGradNorm: number;
  maxLongTokens: number;
  seed: number;
  /** Use only the first n train scenes (tests); default all. */
  trainScenes?: number;
  /** Held-out loss over the first n TEST scenes (short + long captions); 0 = skip. */
  evalScenes: number;
  /** Greedy captions of the first n TEST scenes. */
  samples: number;
  sampleTokens: number;
  /** Per-phase step timings in the progress records (a GPU sync per phase: slower). */
  profile?: boolean;
  /** Every n steps (and not at the end) hand the current weights to onCheckpoint; 0 = never. */
  checkpointEvery?: number;
}

export interface PretrainProgress {
  step: number; steps: number; loss: number; gradNorm: number; lr: number;
  tokens: number; captionTokens: number; stepMs: number; elapsedMs: number; tokensPerSec: number; etaSec: number;
  /** ms per phase, with `profile` only. */
  timings?: Record<string, number>;
  /** What this step asked of the GPU API (dispatches, submits, buffers created, bytes up/down). */
  counts: GpuCounts;
}

export interface PretrainSample { id: string; reference: string; generated: string }

export interface PretrainResult {
  weights: Map<string, Float32Array>;
  evalLoss: number | null;
  samples: PretrainSample[];
  trainMs: number;
}

export async function runPretrain(ctx: GpuContext, folder: ModelFolder, o: PretrainOptions,
  onProgress: (p: PretrainProgress) => void,
  onCheckpoint?: (step: number, weights: Map<string, Float32Array>) => Promise<void>): Promise<PretrainResult> {
  const vlm = await Vlm.load(ctx, folder, { lora: null });
  vlm.useAdapters = false;
  const config = vlm.config;
  const pre = await folder.readJson<PreprocessorConfig>('preprocessor_config.json');
  const vision = uploadVisionWeights(ctx, config, await loadWeights(folder, config, { only: isVisionWeight }));
  const params = pretrainTrainables(ctx, vlm.weights, vision, config.text.tie_word_embeddings);
  const stepper = new PretrainStep(ctx, vlm, vision, params);
  try {
    const data = syntheticBenchmark();
    const train = data.train.slice(0, o.trainScenes ?? data.train.length);
    const schedule = pretrainSchedule(train.length, o.batch, o.steps, o.seed);
    const sched = { lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLrRatio: o.minLrRatio };
    const cfg = { lr: 0, beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm, maxLongTokens: o.maxLongTokens };
    const pixelCache = new Map<number, Float32Array>();
    const pixelsOf = (i: number) => {
      let p = pixelCache.get(i);
      if (!p) pixelCache.set(i, (p = scenePixels(train[i].scene, pre)));
      return p;
    };
    const t0 = performance.now();
    let tokensDone = 0;
    for (let k = 1; k <= o.steps; k++) {
      const ts = performance.now();
      const examples: PretrainExample[] = schedule[k - 1].map((it) => ({
        pixels: pixelsOf(it.scene), caption: it.long ? train[it.scene].longCaption : train[it.scene].caption, long: it.long,
      }));
      cfg.lr = lrAt(k - 1, sched);
      const timings = o.profile ? {} : undefined;
      const c0 = ctx.counters.snapshot();
      const m = await stepper.run(examples, cfg, k, { timings });
      const counts = ctx.counters.since(c0); // the step ends with its loss/flag readback: all of it is submitted
      const now = performance.now();
      tokensDone += m.tokens;
      const elapsedMs = now - t0;
      onProgress({
        step: k, steps: o.steps, loss: m.loss, gradNorm: m.gradNorm, lr: cfg.lr, tokens: m.tokens, captionTokens: m.captionTokens,
        stepMs: now - ts, elapsedMs, tokensPerSec: tokensDone / (elapsedMs / 1000), etaSec: ((elapsedMs / k) * (o.steps - k)) / 1000, timings, counts,
      });
      if (onCheckpoint && o.checkpointEvery && k % o.checkpointEvery === 0 && k < o.steps) {
        await onCheckpoint(k, await downloadWeights(ctx, params.trainables));
      }
    }
    const trainMs = performance.now() - t0;
    const test = data.test;
    const evalLoss = o.evalScenes > 0 ? await heldOutLoss(ctx, vlm, vision, test.slice(0, o.evalScenes), pre, o.maxLongTokens) : null;
    const samples: PretrainSample[] = [];
    for (const s of test.slice(0, o.samples)) {
      const feats = encode(ctx, vlm, vision, [scenePixels(s.scene, pre)]);
      const ids = await generate(vlm, vlm.imageSequence(0, 0), feats, { maxNewTokens: o.sampleTokens });
      ctx.release(feats);
      samples.push({ id: s.id, reference: s.caption, generated: vlm.tokenizer.decode(ids, true).trim() });
    }
    return { weights: await downloadWeights(ctx, params.trainables), evalLoss, samples, trainMs };
  } finally {
    stepper.dispose();
    releasePretrainParams(ctx, params);
    releaseVisionWeights(ctx, vision);
    vlm.dispose();
  }
}

/** Features [n·T, Dt] of n preprocessed images with the current tower weights. */
function encode(ctx: GpuContext, vlm: Vlm, vision: VisionWeights, images: Float32Array[]) {
  const c = vlm.config, S = c.vision.image_size, C = c.vision.num_channels;
  const flat = new Float32Array(images.length * C * S * S);
  images.forEach((p, i) => flat.set(p, i * C * S * S));
  const pixels = ctx.upload(flat, [images.length, C, S, S], 'pretrain.evalPixels');
  const features = ctx.empty([images.length, vlm.tokensPerImage, vlm.dims.hidden], 'pretrain.evalFeatures');
  visionTowerForward(ctx, { features }, pixels, vision, c);
  ctx.release(pixels);
  // The decoder's `extra` is 2-D [rows, H]: same buffer, flattened (a view of the whole tensor).
  const flat2d = ctx.empty([images.length * vlm.tokensPerImage, vlm.dims.hidden], 'pretrain.evalExtra');
  ctx.copy(features, flat2d);
  ctx.release(features);
  return flat2d;
}

/** Mean next-token loss over every caption token of the scenes' short and long captions. */
async function heldOutLoss(ctx: GpuContext, vlm: Vlm, vision: VisionWeights, scenes: SyntheticScene[],
  pre: PreprocessorConfig, maxLongTokens: number): Promise<number> {
  const feats = encode(ctx, vlm, vision, scenes.map((s) => scenePixels(s.scene, pre)));
  const dec = vlm.decoder();
  let sum = 0, count = 0;
  for (const long of [false, true]) {
    const seqs = scenes.map((s, i) => imageTrainSequence(vlm, i, 0, long ? s.longCaption : s.caption, long ? maxLongTokens : Number.MAX_SAFE_INTEGER));
    const batch = vlm.pack(seqs);
    const st = dec.forward(batch, feats, { activations: 'none' });
    const n = seqs.reduce((a, q) => a + q.labels!.filter((l) => l >= 0).length, 0);
    sum += (await ctx.read(st.loss!))[0] * n;
    count += n;
    dec.release(st);
    vlm.ops.releaseInputs();
  }
  ctx.release(feats);
  return sum / count;
}
