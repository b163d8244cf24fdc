/**
 * The evidence run itself, in the browser on one GpuContext (called by evidence-page.ts).
 *
 * Public API:
 *   runEvidence(ctx, o: RunOptions, progress) → EvidenceRun
 *
 * Steps: the benchmark plan (plan.ts) → every scene rendered + preprocessed exactly as an image
 * dropped into the app (renderScene → preprocessRgba with the model's preprocessor_config.json)
 * → the model's FROZEN vision tower (native WGSL) once → one feature table shared by all VLM rows.
 * Each VLM row loads a fresh Vlm (no LoRA; the Trainer attaches its own) and, when it trains,
 * runs Trainer.step() o.steps times (TrainConfig: ablation switches of rows.ts, no checkpoints),
 * validates on `val`, then embeds the eval texts and images — once per seed (o.seeds), the
 * zero-shot row once. The CLIP row trains ClipTrainer from scratch, from pixels, on the first
 * o.clip.scenes benchmark train scenes (the pretraining split ∪ the fine-tuning split) in
 * clipBatches order (plan.ts) for o.clip.steps × o.clip.batch examples (≥ the LVLM's
 * pretraining + fine-tuning examples unless capped); its lr is the best of o.clipLrs by val
 * retrieval (mean R@1/5/10 both ways) after o.clip.sweepSteps on the first seed — chosen
 * before any CLIP row is evaluated on test. Order: zero-shot, CLIP sweep, then seed by seed
 * every trained row, so a run that dies keeps whole seeds.
 * Trap: with warmup > 0 the first update has lr 0 (schedule.ts), identically for every row.
 */
import type { GpuContext } from '../../src/engine/gpu/context.ts';
import type { PreprocessorConfig } from '../../src/engine/data/preprocess.ts';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { folderFromUrl, type ModelFolder } from '../../src/engine/model/io/folder.ts';
import { loadTokenizer } from '../../src/engine/model/io/tokenizer.ts';
import { NativeVisionEncoder } from '../../src/engine/model/vision/native.ts';
import { Vlm } from '../../src/engine/model/vlm/vlm.ts';
import { ClipTrainer } from '../../src/engine/train/clip/clip.ts';
import { scenePixels } from '../../src/engine/train/pretrain/data.ts';
import { DEFAULT_TRAIN_CONFIG, Trainer, type TrainConfig, type TrainData } from '../../src/engine/train/trainer/index.ts';
import type { VlmConfig } from '../../src/engine/model/config.ts';
import type { VlmTokenizer } from '../../src/engine/model/io/tokenizer.ts';
import type { SyntheticScene } from '../../src/engine/data/synthetic/generate.ts';
import { clipBatches, planEvidence, type EvidencePlan } from './plan.ts';
import { chooseLr, sweepScore } from './table.ts';
import { jobKey, ROWS, type ClipSweepRun, type EvidenceRun, type Progress, type RowResult, type RowSpec, type RunOptions, type TrainTrace } from './rows.ts';

type Report = (p: Progress) => void;

const now = () => performance.now() / 1000;

/** Embeds `texts` / feature rows with a Vlm in chunks → host [n, H]. */
async function embedVlm(ctx: GpuContext, vlm: Vlm, plan: EvidencePlan, features: Float32Array, chunk: number): Promise<{ T: Float32Array; I: Float32Array }> {
  const H = vlm.dims.hidden, per = vlm.tokensPerImage * H;
  const { texts, imageRows } = plan.eval;
  const T = new Float32Array(texts.length * H), I = new Float32Array(imageRows.length * H);
  for (let s = 0; s < texts.length; s += chunk) {
    const e = vlm.embedTexts(texts.slice(s, s + chunk));
    T.set(await ctx.read(e), s * H);
    ctx.release(e);
  }
  for (let s = 0; s < imageRows.length; s += chunk) {
    const rows = imageRows.slice(s, s + chunk);
    const host = new Float32Array(rows.length * per);
    rows.forEach((r, j) => host.set(features.subarray(r * per, (r + 1) * per), j * per));
    const f = ctx.upload(host, [rows.length, vlm.tokensPerImage, H], 'evidence.evalFeatures');
    const e = vlm.embedImages(f, rows.length);
    I.set(await ctx.read(e), s * H);
    ctx.release(f, e);
  }
  return { T, I };
}

function trainConfig(o: RunOptions, t: NonNullable<RowSpec['train']>, seed: number): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG, lora: { ...DEFAULT_TRAIN_CONFIG.lora },
    steps: o.steps, batchSize: o.batch, chunkSize: Math.min(o.chunk, o.batch), lr: o.lr, warmupSteps: o.warmup, minLrRatio: 0,
    seed, checkpointEvery: 0, validateEvery: 0, maxLongTokens: o.maxLongTokens,
    trainLora: t.lora, trainSoftPrompts: t.softPrompts, lambdaNextToken: t.lambdaNextToken,
  };
}

async function vlmRow(ctx: GpuContext, folder: ModelFolder, spec: RowSpec, seed: number | null, o: RunOptions, plan: EvidencePlan, features: Float32Array, table: TrainData, report: Report): Promise<RowResult> {
  const vlm = await Vlm.load(ctx, folder, { lora: null, seed: seed ?? 0 });
  let trainer: Trainer | null = null;
  try {
    let train: TrainTrace | null = null, validation: RowResult['validation'] = null;
    if (spec.train) {
      report({ type: 'phase', row: spec.id, seed, phase: 'train' });
      trainer = await Trainer.create(ctx, vlm, table, trainConfig(o, spec.train, seed ?? 0), { runId: `evidence-${spec.id}-${seed}`, modelId: o.modelUrl });
      train = { steps: o.steps, loss: [], contrastive: [], nextToken: [], seconds: 0 };
      const t0 = now();
      while (!trainer.done) {
        const r = await trainer.step();
        train.loss.push(r.loss); train.contrastive.push(r.contrastive); train.nextToken.push(r.nextToken);
        report({ type: 'step', row: spec.id, seed, job: jobKey(spec.id, seed), step: r.step, steps: o.steps, loss: r.loss, seconds: r.seconds });
      }
      train.seconds = now() - t0;
      if (table.validation.length >= 2) validation = { ...(await trainer.validate()).details };
    }
    report({ type: 'phase', row: spec.id, seed, phase: 'eval' });
    const t1 = now();
    const { T, I } = await embedVlm(ctx, vlm, plan, features, o.embedChunk);
    const evalSeconds = now() - t1;
    const result: RowResult = { id: spec.id, seed, report: plan.score(T, I, vlm.dims.hidden), validation, train, evalSeconds };
    report({ type: 'row', row: spec.id, seed, trainSeconds: train?.seconds ?? 0, evalSeconds, result });
    return result;
  } finally {
    trainer?.dispose();
    vlm.dispose();
  }
}

/** What every CLIP run shares: config, tokenizer, the train scenes' pixels (rendered lazily, cached), the eval pixels. */
interface ClipData {
  config: VlmConfig;
  tokenizer: VlmTokenizer;
  scenes: SyntheticScene[];
  trainPixels(k: number): Float32Array;
  /** Pixels of plan rows (val / test / winoground images). */
  planPixels(rows: number[]): Float32Array;
  per: number;
}

/** Trains one CLIP from scratch (seed: init + data order) for `steps` of o.clip.batch at peak `lr`. */
async function trainClip(ctx: GpuContext, o: RunOptions, d: ClipData, seed: number, lr: number, steps: number, warmup: number, job: string, report: Report): Promise<{ clip: ClipTrainer; train: TrainTrace }> {
  const clip = await ClipTrainer.create(ctx, d.config, d.tokenizer, { seed, lr, warmupSteps: warmup, steps, maxTextTokens: o.clip.maxTextTokens });
  try {
    const train: TrainTrace = { steps, loss: [], contrastive: [], nextToken: [], seconds: 0 };
    const batches = clipBatches(o.clipCaptions, o.clip.scenes, o.clip.batch, steps, seed);
    const t0 = now();
    for (let k = 1; k <= steps; k++) {
      const items = batches[k - 1];
      const px = new Float32Array(items.length * d.per);
      items.forEach((it, j) => px.set(d.trainPixels(it.scene), j * d.per));
      const ts = now();
      const m = await clip.step(px, items.map((it) => (it.long ? d.scenes[it.scene].longCaption : d.scenes[it.scene].caption)));
      train.loss.push(m.loss); train.contrastive.push(m.loss); train.nextToken.push(0);
      report({ type: 'step', row: 'clip', seed, job, step: k, steps, loss: m.loss, seconds: now() - ts });
    }
    train.seconds = now() - t0;
    return { clip, train };
  } catch (e) {
    clip.dispose();
    throw e;
  }
}

async function clipValidation(clip: ClipTrainer, plan: EvidencePlan, d: ClipData): Promise<Record<string, number> | null> {
  if (plan.val.length < 2) return null;
  const vp = planEvidenceVal(plan);
  const T = await clip.embedTexts(vp.texts);
  const I = await clip.embedImages(d.planPixels(vp.rows), vp.rows.length);
  return valRecall(T, I, T.length / vp.texts.length);
}

/** The lr sweep on val (first seed, o.clip.sweepSteps each); the best score wins, ties → the earlier lr of o.clipLrs. */
async function clipSweep(ctx: GpuContext, o: RunOptions, plan: EvidencePlan, d: ClipData, report: Report): Promise<{ runs: ClipSweepRun[]; chosenLr: number }> {
  if (o.sweep?.length) return { runs: o.sweep, chosenLr: chooseLr(o.sweep) };
  if (o.clipLrs.length === 1) return { runs: [], chosenLr: o.clipLrs[0] };
  const runs: ClipSweepRun[] = [];
  for (const lr of o.clipLrs) {
    report({ type: 'phase', row: 'clip', seed: o.seeds[0], phase: `lr sweep ${lr} on val` });
    const { clip, train } = await trainClip(ctx, o, d, o.seeds[0], lr, o.clip.sweepSteps, o.clip.sweepWarmup, `clip-sweep@${lr}`, report);
    try {
      const validation = (await clipValidation(clip, plan, d))!;
      const run: ClipSweepRun = { lr, steps: o.clip.sweepSteps, score: sweepScore(validation), validation, finalLoss: train.loss[train.loss.length - 1], seconds: train.seconds };
      runs.push(run);
      report({ type: 'sweep', run, chosenLr: runs.length === o.clipLrs.length ? chooseLr(runs) : null });
    } finally {
      clip.dispose();
    }
  }
  return { runs, chosenLr: chooseLr(runs) };
}

async function clipRow(ctx: GpuContext, o: RunOptions, plan: EvidencePlan, d: ClipData, seed: number, lr: number, report: Report): Promise<RowResult> {
  report({ type: 'phase', row: 'clip', seed, phase: `train (lr ${lr}, ${o.clip.steps} steps × ${o.clip.batch})` });
  const { clip, train } = await trainClip(ctx, o, d, seed, lr, o.clip.steps, o.clip.warmup, jobKey('clip', seed), report);
  try {
    report({ type: 'phase', row: 'clip', seed, phase: 'eval' });
    const t1 = now();
    const validation = await clipValidation(clip, plan, d);
    const T = await clip.embedTexts(plan.eval.texts);
    const I = await clip.embedImages(d.planPixels(plan.eval.imageRows), plan.eval.imageRows.length);
    const evalSeconds = now() - t1;
    const result: RowResult = { id: 'clip', seed, lr, report: plan.score(T, I, T.length / plan.eval.texts.length), validation, train, evalSeconds };
    report({ type: 'row', row: 'clip', seed, trainSeconds: train.seconds, evalSeconds, result });
    return result;
  } finally {
    clip.dispose();
  }
}

/** The val split as retrieval pairs (CLIP's counterpart of Trainer.validate()). */
function planEvidenceVal(plan: EvidencePlan): { texts: string[]; rows: number[] } {
  return { texts: plan.val.map((e) => e.short), rows: plan.val.map((e) => e.image) };
}

function valRecall(T: Float32Array, I: Float32Array, d: number): Record<string, number> {
  const n = T.length / d;
  const at = (t: number, i: number) => { let s = 0; for (let k = 0; k < d; k++) s += T[t * d + k] * I[i * d + k]; return s; };
  const rank = (score: (j: number) => number, g: number) => {
    const sg = score(g);
    let r = 0;
    for (let j = 0; j < n; j++) if (score(j) > sg || (score(j) === sg && j < g)) r++;
    return r;
  };
  const t2i = Array.from({ length: n }, (_, t) => rank((i) => at(t, i), t));
  const i2t = Array.from({ length: n }, (_, i) => rank((t) => at(t, i), i));
  const out: Record<string, number> = { images: n, texts: n };
  for (const k of [1, 5, 10]) {
    out[`t2i/R@${k}`] = t2i.filter((r) => r < k).length / n;
    out[`i2t/R@${k}`] = i2t.filter((r) => r < k).length / n;
  }
  return out;
}

export async function runEvidence(ctx: GpuContext, o: RunOptions, report: Report): Promise<EvidenceRun> {
  const folder = folderFromUrl(o.modelUrl);
  const config = parseVlmConfig(await folder.readJson('config.json'));
  const pre = await folder.readJson<PreprocessorConfig>('preprocessor_config.json');
  report({ type: 'phase', row: null, seed: null, phase: 'data' });
  const bench = syntheticBenchmark();
  const plan = planEvidence(bench, o.sizes);
  const S = config.vision.image_size, C = config.vision.num_channels, per = C * S * S;
  const N = plan.scenes.length;
  const pixels = new Float32Array(N * per);
  plan.scenes.forEach((s, i) => pixels.set(scenePixels(s, pre), i * per));

  report({ type: 'phase', row: null, seed: null, phase: `vision features of ${N} images` });
  const t0 = now();
  // large chunks: on SwiftShader the per-dispatch cost, not the arithmetic, dominates the tiny tower
  const enc = await NativeVisionEncoder.fromFolder(ctx, folder, { config, maxImagesPerChunk: 64 });
  const features = await enc.encode(pixels, N);
  await enc.dispose();
  const featureSeconds = now() - t0;
  const T = config.imageTokensPerImage, H = config.text.hidden_size;
  const table: TrainData = {
    features: ctx.upload(features, [N, T, H], 'evidence.features'),
    train: plan.train.map((e) => ({ ...e })),
    validation: plan.val.map((e) => ({ ...e })),
  };
  const setup = {
    adapter: { ...ctx.caps.adapter },
    model: { hidden: H, layers: config.text.num_hidden_layers, imageTokens: T, imageSize: S, vocab: config.text.vocab_size },
    featureSeconds,
  };
  report({ type: 'setup', run: setup });
  const rows: RowResult[] = [];
  let clipSweepResult: EvidenceRun['clipSweep'] = null;
  const todo = (id: RowSpec['id'], seed: number | null) => o.rows.includes(id) && !o.skip.includes(jobKey(id, seed));
  try {
    const zero = ROWS.find((r) => r.id === 'zero-shot')!;
    if (todo('zero-shot', null)) rows.push(await vlmRow(ctx, folder, zero, null, o, plan, features, table, report));
    let clipData: ClipData | null = null;
    if (o.rows.includes('clip')) {
      const trainPix = new Map<number, Float32Array>();
      if (o.clip.scenes > bench.train.length) throw new Error(`CLIP data: ${o.clip.scenes} train scenes asked, the benchmark has ${bench.train.length}`);
      clipData = {
        config, tokenizer: await loadTokenizer(folder), scenes: bench.train, per,
        trainPixels(k) {
          let p = trainPix.get(k);
          if (!p) trainPix.set(k, (p = scenePixels(bench.train[k].scene, pre)));
          return p;
        },
        planPixels(rs) {
          const out = new Float32Array(rs.length * per);
          rs.forEach((r, j) => out.set(pixels.subarray(r * per, (r + 1) * per), j * per));
          return out;
        },
      };
      if (o.seeds.some((s) => todo('clip', s)) || o.sweep?.length) clipSweepResult = await clipSweep(ctx, o, plan, clipData, report);
    }
    for (const seed of o.seeds) {
      for (const spec of ROWS.filter((r) => r.id !== 'zero-shot' && todo(r.id, seed))) {
        rows.push(spec.kind === 'clip'
          ? await clipRow(ctx, o, plan, clipData!, seed, clipSweepResult!.chosenLr, report)
          : await vlmRow(ctx, folder, spec, seed, o, plan, features, table, report));
      }
    }
  } finally {
    ctx.release(table.features);
  }
  return { ...setup, rows, clipSweep: clipSweepResult };
}
