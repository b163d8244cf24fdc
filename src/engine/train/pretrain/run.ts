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
 *   interface PretrainTrainerState { step, moments: Map<HF name, {m, v}>, elapsedMs, tokensDone }
 *   interface PretrainCheckpoint extends PretrainTrainerState { weights, epoch, epochPosition }
 *   greedyCaptions(ctx, vlm, vision, scenes, pre, maxNewTokens, onCaption?, start?) → Promise<string[]>
 *   towerFeatures(ctx, vlm, vision, images: preprocessed pixels[]) → GpuTensor [n·T, H]   (the decoder's `extra`)
 *   runPretrain(ctx, folder, opts, onProgress, onCheckpoint?) → Promise<PretrainResult>
 *     { weights: Map<HF name, Float32Array>, evalLoss, samples: {id, reference, generated}[], trainMs,
 *       checkpoint (the final trainer state + weights), stopped (opts.stopAfter hit) }
 *
 * The Vlm is loaded without LoRA and used with useAdapters = false; its decoder weights and
 * the native vision tower's weights are the trainables (params.ts). Learning rate: linear
 * warmup then cosine to minLrRatio·lr (schedule.ts; update k uses lrAt(k − 1)).
 * Determinism: data order from the seed (data.ts); weights come from the folder (the init is
 * seeded by its writer). Same folder + options → same weights on the same GPU/driver.
 * Exact resume: a checkpoint is the weights + every trainable's AdamW moments + the update
 * count. The data order is a pure function of (seed, scene count, batch) and step k always
 * reads batch k−1 of it (pretrainSchedule's prefix does not depend on `steps`), so loading the
 * checkpoint's weights as the folder and passing `resume` continues with step count+1 exactly
 * as the uninterrupted run would (same kernels, same order: bitwise on one GPU/driver).
 * There is no other random state (no dropout, no sampling while training).
 * Trap: the lr schedule depends on `steps`; a resume with more steps than the saved run
 * changes the lr of every later step (allowed, but it is then not the same run).
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
import type { Trainable } from '../params.ts';

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
  /** Every n steps (and not at the end) hand the current weights + trainer state to onCheckpoint; 0 = never. */
  checkpointEvery?: number;
  /** Continue a run: `folder` holds the checkpoint's weights, this its trainer state. */
  resume?: PretrainTrainerState;
  /** Stop after this step (a checkpoint is handed over there; no eval, no samples). */
  stopAfter?: number;
}

/** What, besides the weights, continuing a run exactly needs. */
export interface PretrainTrainerState {
  /** Updates applied so far = the last finished step (AdamW's bias-correction count). */
  step: number;
  /** AdamW first (m) and second (v) moments of every trainable, by HF name. */
  moments: Map<string, { m: Float32Array; v: Float32Array }>;
  /** Training time and tokens so far (progress figures continue across sittings). */
  elapsedMs: number;
  tokensDone: number;
}

export interface PretrainCheckpoint extends PretrainTrainerState {
  weights: Map<string, Float32Array>;
  /** Data-order position after `step` (informational: the schedule is recomputed from the seed). */
  epoch: number;
  epochPosition: number;
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
  /** The state after the last step run (a resume from it continues the run). */
  checkpoint: PretrainCheckpoint;
  /** True when `stopAfter` ended the run early (evalLoss null, no samples). */
  stopped: boolean;
}

export async function runPretrain(ctx: GpuContext, folder: ModelFolder, o: PretrainOptions,
  onProgress: (p: PretrainProgress) => void,
  onCheckpoint?: (c: PretrainCheckpoint) => Promise<void>): Promise<PretrainResult> {
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
    const start = o.resume ? resumeInto(params.trainables, o.resume, o.steps, ctx) : 0;
    const t0 = performance.now() - (o.resume?.elapsedMs ?? 0);
    let tokensDone = o.resume?.tokensDone ?? 0;
    const last = Math.min(o.steps, o.stopAfter ?? o.steps);
    if (last <= start && last < o.steps) throw new Error(`runPretrain: stopAfter ${o.stopAfter} is not after the resumed step ${start}`);
    const checkpoint = async (k: number): Promise<PretrainCheckpoint> => {
      const items = k * o.batch, perEpoch = 2 * train.length;
      return {
        step: k, weights: await downloadWeights(ctx, params.trainables), moments: await downloadMoments(ctx, params.trainables),
        elapsedMs: performance.now() - t0, tokensDone, epoch: Math.floor(items / perEpoch), epochPosition: items % perEpoch,
      };
    };
    for (let k = start + 1; k <= last; k++) {
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
      if (onCheckpoint && o.checkpointEvery && k % o.checkpointEvery === 0 && k < last) await onCheckpoint(await checkpoint(k));
    }
    const trainMs = performance.now() - t0;
    if (last < o.steps) {
      const c = await checkpoint(last);
      if (onCheckpoint) await onCheckpoint(c);
      return { weights: c.weights, evalLoss: null, samples: [], trainMs, checkpoint: c, stopped: true };
    }
    const final = await checkpoint(o.steps);
    const test = data.test;
    const evalLoss = o.evalScenes > 0 ? await heldOutLoss(ctx, vlm, vision, test.slice(0, o.evalScenes), pre, o.maxLongTokens) : null;
    const generated = await greedyCaptions(ctx, vlm, vision, test.slice(0, o.samples), pre, o.sampleTokens);
    const samples: PretrainSample[] = test.slice(0, o.samples).map((s, i) => ({ id: s.id, reference: s.caption, generated: generated[i] }));
    return { weights: final.weights, evalLoss, samples, trainMs, checkpoint: final, stopped: false };
  } finally {
    stepper.dispose();
    releasePretrainParams(ctx, params);
    releaseVisionWeights(ctx, vision);
    vlm.dispose();
  }
}

/** Writes the saved moments into the trainables; returns the step to continue after. */
function resumeInto(trainables: Trainable[], r: PretrainTrainerState, steps: number, ctx: GpuContext): number {
  if (!Number.isInteger(r.step) || r.step < 1 || r.step > steps) {
    throw new Error(`runPretrain: cannot resume from step ${r.step} of a ${steps}-step run`);
  }
  const missing = trainables.filter((t) => !r.moments.has(t.name)).map((t) => t.name);
  const extra = [...r.moments.keys()].filter((n) => !trainables.some((t) => t.name === n));
  if (missing.length || extra.length) {
    throw new Error(`runPretrain: the saved optimizer state does not match the model (missing ${missing.join(', ') || 'none'}; unknown ${extra.join(', ') || 'none'})`);
  }
  for (const t of trainables) {
    const { m, v } = r.moments.get(t.name)!;
    if (m.length !== t.param.size || v.length !== t.param.size) {
      throw new Error(`runPretrain: saved moments of ${t.name} have ${m.length}/${v.length} values, the model has ${t.param.size}`);
    }
    ctx.write(t.m, m);
    ctx.write(t.v, v);
  }
  return r.step;
}

async function downloadMoments(ctx: GpuContext, trainables: Trainable[]): Promise<PretrainTrainerState['moments']> {
  const out: PretrainTrainerState['moments'] = new Map();
  for (const t of trainables) out.set(t.name, { m: await ctx.read(t.m), v: await ctx.read(t.v) });
  return out;
}

/** Greedy caption of each scene (the image prompt pretraining uses), decoded, trimmed.
 * The Vlm must run with useAdapters = false (as runPretrain and caption-eval load it). */
/**
 * Greedy caption of each scene after the image prompt. `start` (e.g. 'This', 'a') is written for
 * the model as the caption's first word(s) — captions are ' '-prefixed words in training — so the
 * caller can pick the long or the short form instead of the one greedy decoding prefers; the
 * returned text begins with it.
 */
export async function greedyCaptions(ctx: GpuContext, vlm: Vlm, vision: VisionWeights, scenes: SyntheticScene[],
  pre: PreprocessorConfig, maxNewTokens: number, onCaption?: (i: number, text: string) => void, start = ''): Promise<string[]> {
  const out: string[] = [];
  const prompt = vlm.imageSequence(0, 0);
  const forced = start ? vlm.tokenizer.encode(' ' + start.trim()) : [];
  const seq = { ...prompt, ids: [...prompt.ids, ...forced], src: [...prompt.src, ...forced.map(() => -1)] };
  for (const s of scenes) {
    const feats = towerFeatures(ctx, vlm, vision, [scenePixels(s.scene, pre)]);
    const ids = await generate(vlm, seq, feats, { maxNewTokens });
    ctx.release(feats);
    out.push(vlm.tokenizer.decode([...forced, ...ids], true).trim());
    onCaption?.(out.length - 1, out[out.length - 1]);
  }
  return out;
}

/** Features [n·T, Dt] of n preprocessed images with the current tower weights (the decoder's `extra`). */
export function towerFeatures(ctx: GpuContext, vlm: Vlm, vision: VisionWeights, images: Float32Array[]) {
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
  const feats = towerFeatures(ctx, vlm, vision, scenes.map((s) => scenePixels(s.scene, pre)));
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
