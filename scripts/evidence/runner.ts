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
 * validates on `val`, then embeds the eval texts and images. The CLIP row trains ClipTrainer
 * from scratch on the same batches (DataOrder with the same seed and size, short captions;
 * CLIP has no next-token loss) from pixels, with the same steps, batch and warmup.
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
import { DataOrder, DEFAULT_TRAIN_CONFIG, Trainer, type TrainConfig, type TrainData } from '../../src/engine/train/trainer/index.ts';
import { planEvidence, type EvidencePlan } from './plan.ts';
import { ROWS, type EvidenceRun, type Progress, type RowResult, type RowSpec, type RunOptions, type TrainTrace } from './rows.ts';

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

function trainConfig(o: RunOptions, t: NonNullable<RowSpec['train']>): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG, lora: { ...DEFAULT_TRAIN_CONFIG.lora },
    steps: o.steps, batchSize: o.batch, chunkSize: Math.min(o.chunk, o.batch), lr: o.lr, warmupSteps: o.warmup, minLrRatio: 0,
    seed: o.seed, checkpointEvery: 0, validateEvery: 0, maxLongTokens: o.maxLongTokens,
    trainLora: t.lora, trainSoftPrompts: t.softPrompts, lambdaNextToken: t.lambdaNextToken,
  };
}

async function vlmRow(ctx: GpuContext, folder: ModelFolder, spec: RowSpec, o: RunOptions, plan: EvidencePlan, features: Float32Array, table: TrainData, report: Report): Promise<RowResult> {
  const vlm = await Vlm.load(ctx, folder, { lora: null, seed: o.seed });
  let trainer: Trainer | null = null;
  try {
    let train: TrainTrace | null = null, validation: RowResult['validation'] = null;
    if (spec.train) {
      report({ type: 'phase', row: spec.id, phase: 'train' });
      trainer = await Trainer.create(ctx, vlm, table, trainConfig(o, spec.train), { runId: `evidence-${spec.id}`, modelId: o.modelUrl });
      train = { steps: o.steps, loss: [], contrastive: [], nextToken: [], seconds: 0 };
      const t0 = now();
      while (!trainer.done) {
        const r = await trainer.step();
        train.loss.push(r.loss); train.contrastive.push(r.contrastive); train.nextToken.push(r.nextToken);
        report({ type: 'step', row: spec.id, step: r.step, steps: o.steps, loss: r.loss, seconds: r.seconds });
      }
      train.seconds = now() - t0;
      if (table.validation.length >= 2) validation = { ...(await trainer.validate()).details };
    }
    report({ type: 'phase', row: spec.id, phase: 'eval' });
    const t1 = now();
    const { T, I } = await embedVlm(ctx, vlm, plan, features, o.embedChunk);
    const evalSeconds = now() - t1;
    const result: RowResult = { id: spec.id, report: plan.score(T, I, vlm.dims.hidden), validation, train, evalSeconds };
    report({ type: 'row', row: spec.id, trainSeconds: train?.seconds ?? 0, evalSeconds, result });
    return result;
  } finally {
    trainer?.dispose();
    vlm.dispose();
  }
}

async function clipRow(ctx: GpuContext, folder: ModelFolder, o: RunOptions, plan: EvidencePlan, pixels: Float32Array, per: number, report: Report): Promise<RowResult> {
  const config = parseVlmConfig(await folder.readJson('config.json'));
  const clip = await ClipTrainer.create(ctx, config, await loadTokenizer(folder), {
    seed: o.seed, lr: o.clipLr, warmupSteps: o.warmup, steps: o.steps, maxTextTokens: o.maxLongTokens,
  });
  const gather = (rows: number[]) => {
    const out = new Float32Array(rows.length * per);
    rows.forEach((r, j) => out.set(pixels.subarray(r * per, (r + 1) * per), j * per));
    return out;
  };
  try {
    report({ type: 'phase', row: 'clip', phase: 'train' });
    const train: TrainTrace = { steps: o.steps, loss: [], contrastive: [], nextToken: [], seconds: 0 };
    const order = DataOrder.start(plan.train.length, o.batch, o.seed); // the VLM rows' batches
    const t0 = now();
    for (let k = 1; k <= o.steps; k++) {
      const ex = order.next().indices.map((i) => plan.train[i]);
      const ts = now();
      const m = await clip.step(gather(ex.map((e) => e.image)), ex.map((e) => e.short));
      train.loss.push(m.loss); train.contrastive.push(m.loss); train.nextToken.push(0);
      report({ type: 'step', row: 'clip', step: k, steps: o.steps, loss: m.loss, seconds: now() - ts });
    }
    train.seconds = now() - t0;
    let validation: RowResult['validation'] = null;
    report({ type: 'phase', row: 'clip', phase: 'eval' });
    const t1 = now();
    if (plan.val.length >= 2) {
      const vp = planEvidenceVal(plan);
      const T = await clip.embedTexts(vp.texts);
      const I = await clip.embedImages(gather(vp.rows), vp.rows.length);
      validation = valRecall(T, I, T.length / vp.texts.length);
    }
    const T = await clip.embedTexts(plan.eval.texts);
    const I = await clip.embedImages(gather(plan.eval.imageRows), plan.eval.imageRows.length);
    const evalSeconds = now() - t1;
    const result: RowResult = { id: 'clip', report: plan.score(T, I, T.length / plan.eval.texts.length), validation, train, evalSeconds };
    report({ type: 'row', row: 'clip', trainSeconds: train.seconds, evalSeconds, result });
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
  report({ type: 'phase', row: null, phase: 'data' });
  const plan = planEvidence(syntheticBenchmark(), o.sizes);
  const S = config.vision.image_size, C = config.vision.num_channels, per = C * S * S;
  const N = plan.scenes.length;
  const pixels = new Float32Array(N * per);
  plan.scenes.forEach((s, i) => pixels.set(scenePixels(s, pre), i * per));

  report({ type: 'phase', row: null, phase: `vision features of ${N} images` });
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
  try {
    for (const spec of ROWS.filter((r) => o.rows.includes(r.id))) {
      rows.push(spec.kind === 'clip'
        ? await clipRow(ctx, folder, o, plan, pixels, per, report)
        : await vlmRow(ctx, folder, spec, o, plan, features, table, report));
    }
  } finally {
    ctx.release(table.features);
  }
  return { ...setup, rows };
}
