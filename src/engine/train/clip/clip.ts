/**
 * A CLIP-style dual encoder trained contrastively from scratch with our own kernels: the
 * same-data, same-budget baseline of the evidence table (issue #7).
 *
 * Public API:
 *   interface ClipOptions { seed, lr, warmupSteps, steps, weightDecay?, maxGradNorm?, temperature?,
 *     learnTemperature?, minLrRatio?, maxTextTokens? }        (defaults: CLIP_DEFAULTS)
 *   class ClipTrainer
 *     static create(ctx, config: VlmConfig, tokenizer: VlmTokenizer, o) → Promise<ClipTrainer>
 *     step(pixels [B,C,S,S] preprocessed, captions: string[B], { apply? }) → Promise<ClipStepMetrics>
 *       one AdamW update (lr from the warmup + cosine schedule over o.steps); apply:false
 *       leaves ∂loss/∂θ in trainables[i].grad and changes nothing (tests)
 *     embedImages(pixels, n) → Promise<Float32Array [n, Dt]>     L2-normalised
 *     embedTexts(texts) → Promise<Float32Array [n, Dt]>           L2-normalised
 *     temperature() → Promise<number>;  stepsDone;  trainables (name, param, grad, m, v, decay)
 *     dispose()
 *
 * Towers (random init, clipInitHost(config, seed); Dt = config.text.hidden_size):
 *   image: the SigLIP tower + pixel-shuffle connector of `config` (tower_train.ts) → [B,T,Dt]
 *          → MEAN over the T tokens (pool.ts) → [B,Dt]
 *   text:  a causal Llama decoder of the text model's dims (decoder.ts, no LM head) over
 *          ' ' + caption (cut to maxTextTokens) + end token (<end_of_utterance>, else EOS),
 *          pooled at that end token: the final RMSNorm output, as Vlm embeds at its summary token
 *   loss:  symmetric InfoNCE on the L2-normalised pairs, τ = exp(logTau), logTau learnable
 *          (init ln 0.07 as CLIP; not clamped — CLIP clamps 1/τ ≤ 100, far beyond short runs)
 *   update: global-norm clipping + AdamW (decay on matrices only, not norms/biases/logTau).
 * Traps: the schedule's first update with warmup has lr 0 (transformers' convention, schedule.ts).
 * Captions of one batch must be distinct-ish: identical captions are each other's false negatives.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { embeddingBackward, embeddingForward } from '../../kernels/embedding/embedding.ts';
import { infoNceBackward, infoNceForward } from '../../kernels/loss/infonce.ts';
import { l2NormalizeBackward, l2NormalizeForward } from '../../kernels/loss/l2norm.ts';
import { ADAMW_DEFAULTS } from '../../kernels/optim/adamw.ts';
import type { VlmConfig } from '../../model/config.ts';
import { Decoder } from '../../model/decoder/decoder.ts';
import { GpuOps } from '../../model/decoder/gpu_ops.ts';
import type { DecoderWeights, LayerWeights } from '../../model/decoder/types.ts';
import type { VlmTokenizer } from '../../model/io/tokenizer.ts';
import { visionTowerForward } from '../../model/vision/tower.ts';
import {
  mapVisionParams, releaseVisionTrainState, visionTowerBackward, visionTowerForwardTrain, visionWeightEntries, type VisionTrainState,
} from '../../model/vision/tower_train.ts';
import { releaseVisionWeights, uploadVisionWeights, type VisionWeights } from '../../model/vision/weights.ts';
import { packSequences, type PackedBatch } from '../../model/vlm/batch.ts';
import { decoderDims } from '../../model/vlm/vlm.ts';
import { Optimizer } from '../optimizer.ts';
import type { Trainable } from '../params.ts';
import { lrAt } from '../schedule.ts';
import { clipInitHost, releaseTextTower, textTowerEntries, uploadTextTower } from './init.ts';
import { ClipError, resolveClipOptions, type ClipOptions, type ResolvedClipOptions } from './options.ts';
import { meanPoolBackward, meanPoolForward, poolingMatrix } from './pool.ts';

export { CLIP_DEFAULTS, ClipError, type ClipOptions } from './options.ts';

export interface ClipStepMetrics {
  loss: number;
  gradNorm: number;
  /** Learning rate of this update (0 when apply:false). */
  lr: number;
  /** τ used by this step's loss. */
  temperature: number;
}

/** Embedding passes run this many images / texts at a time (bounds activation memory). */
const EMBED_CHUNK = 64;


export class ClipTrainer {
  stepsDone = 0;
  private readonly ops: GpuOps;
  private readonly decoder: Decoder<GpuTensor>;
  private readonly pools = new Map<number, GpuTensor>();
  private readonly optimizer: Optimizer;
  private readonly endId: number;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: VlmConfig,
    readonly tokenizer: VlmTokenizer,
    readonly options: ResolvedClipOptions,
    readonly vision: VisionWeights,
    readonly text: DecoderWeights<GpuTensor>,
    /** [1] log τ. */
    readonly logTau: GpuTensor,
    /** Every trained tensor: vision (HF names), text (HF names), then logTau when learnable. */
    readonly trainables: Trainable[],
    private readonly visionGrads: VisionWeights,
    private readonly textGrads: DecoderWeights<GpuTensor>,
  ) {
    this.ops = new GpuOps(ctx);
    this.decoder = new Decoder(this.ops, decoderDims(config), text, null);
    this.optimizer = new Optimizer(ctx, trainables, 'clip');
    const end = tokenizer.specialIds.get('<end_of_utterance>') ?? tokenizer.eosId;
    if (end == null) throw new ClipError('create', 'the tokenizer has neither <end_of_utterance> nor an EOS token to pool at');
    this.endId = end;
  }

  static async create(ctx: GpuContext, config: VlmConfig, tokenizer: VlmTokenizer, o: ClipOptions): Promise<ClipTrainer> {
    const r = resolveClipOptions(o);
    if (tokenizer.size > config.text.vocab_size) throw new ClipError('create', `tokenizer has ${tokenizer.size} ids but the config's vocab_size is ${config.text.vocab_size}`);
    const host = clipInitHost(config, r.seed);
    const vision = uploadVisionWeights(ctx, config, host);
    const text = uploadTextTower(ctx, config, host);
    const logTau = ctx.upload(new Float32Array([Math.log(r.temperature)]), [1], 'clip.logTau');
    const entries = [...visionWeightEntries(vision), ...textTowerEntries(text)];
    if (r.learnTemperature) entries.push({ name: 'logTau', t: logTau });
    const trainables: Trainable[] = entries.map(({ name, t }) => ({
      name, param: t, decay: t.shape.length >= 2 && name !== 'logTau',
      grad: ctx.zeros(t.shape, `clip.grad.${name}`), m: ctx.zeros(t.shape, `clip.adam.m.${name}`), v: ctx.zeros(t.shape, `clip.adam.v.${name}`),
    }));
    const byName = new Map(trainables.map((t) => [t.name, t.grad]));
    const g = (name: string) => byName.get(name)!;
    const visionGrads = mapVisionParams(vision, (_t, name) => g(name)) as VisionWeights;
    const tg = new Map(textTowerEntries(text).map(({ name, t }) => [t, g(name)]));
    const textGrads: DecoderWeights<GpuTensor> = {
      embed: tg.get(text.embed)!, finalNorm: tg.get(text.finalNorm)!, lmHead: tg.get(text.embed)!,
      layers: text.layers.map((L) => Object.fromEntries(Object.entries(L).map(([k, t]) => [k, tg.get(t)!])) as unknown as LayerWeights<GpuTensor>),
    };
    await ctx.sync();
    return new ClipTrainer(ctx, config, tokenizer, r, vision, text, logTau, trainables, visionGrads, textGrads);
  }

  private get imageSize(): number {
    const v = this.config.vision;
    return v.num_channels * v.image_size * v.image_size;
  }

  private pool(M: number): GpuTensor {
    let p = this.pools.get(M);
    if (!p) this.pools.set(M, (p = poolingMatrix(this.ctx, M, this.config.imageTokensPerImage)));
    return p;
  }

  /** ' ' + caption (cut) + end token, pooled at the end token. */
  private packTexts(texts: string[]): PackedBatch {
    const seqs = texts.map((t) => {
      const ids = [...this.tokenizer.encode(' ' + t.trim()).slice(0, this.options.maxTextTokens), this.endId];
      return { ids, src: new Array<number>(ids.length).fill(-1), summaryIndex: ids.length - 1 };
    });
    const t = this.tokenizer;
    return packSequences(seqs, t.padId ?? t.eosId ?? 0);
  }

  private checkPixels(pixels: Float32Array, n: number, where: string): void {
    const v = this.config.vision;
    if (!Number.isInteger(n) || n < 1 || pixels.length !== n * this.imageSize) {
      throw new ClipError(where, `pixels hold ${pixels.length} values; want ${n} image(s) × [${v.num_channels},${v.image_size},${v.image_size}] = ${n * this.imageSize}`);
    }
  }

  private uploadPixels(pixels: Float32Array, n: number, where: string): GpuTensor {
    this.checkPixels(pixels, n, where);
    const v = this.config.vision;
    return this.ctx.upload(pixels, [n, v.num_channels, v.image_size, v.image_size], 'clip.pixels');
  }

  async step(pixels: Float32Array, captions: string[], opts: { apply?: boolean } = {}): Promise<ClipStepMetrics> {
    const { ctx, config: c } = this;
    const B = captions.length;
    const Dt = c.text.hidden_size, T = c.imageTokensPerImage;
    const px = this.uploadPixels(pixels, B, 'step');
    for (const t of this.trainables) ctx.clear(t.grad);
    const tmp: GpuTensor[] = [px];
    const e = (shape: number[], label: string, zero = false) => {
      const t = zero ? ctx.zeros(shape, label) : ctx.empty(shape, label);
      tmp.push(t);
      return t;
    };
    const loss = e([1], 'clip.loss', true);
    let state: VisionTrainState | null = null;
    try {
      // forward: image tower → mean over T; text tower → end-token row of the final norm
      const fwd = visionTowerForwardTrain(ctx, px, this.vision, c);
      const features = fwd.features;
      state = fwd.state;
      tmp.push(features);
      const P = this.pool(B);
      const rawImg = e([B, Dt], 'clip.rawImg');
      meanPoolForward(ctx, rawImg, features, P);
      const batch = this.packTexts(captions);
      const st = this.decoder.forward(batch, null, { activations: 'keep' });
      const rawTxt = e([B, Dt], 'clip.rawTxt');
      embeddingForward(ctx, rawTxt, batch.summaryRows, st.normed);
      // loss
      const img = e([B, Dt], 'clip.img'), nImg = e([B], 'clip.normImg');
      const txt = e([B, Dt], 'clip.txt'), nTxt = e([B], 'clip.normTxt');
      l2NormalizeForward(ctx, img, nImg, rawImg);
      l2NormalizeForward(ctx, txt, nTxt, rawTxt);
      const probs = e([2, B, B], 'clip.probs');
      infoNceForward(ctx, loss, probs, img, txt, { logTau: this.logTau });
      // backward
      const dImg = e([B, Dt], 'clip.dImg', true), dTxt = e([B, Dt], 'clip.dTxt', true);
      const dLogTau = this.trainables.find((t) => t.name === 'logTau')?.grad ?? null;
      infoNceBackward(ctx, { dImg, dTxt, dLogTau }, 1, img, txt, probs, { logTau: this.logTau });
      const dRawImg = e([B, Dt], 'clip.dRawImg', true), dRawTxt = e([B, Dt], 'clip.dRawTxt', true);
      l2NormalizeBackward(ctx, dRawImg, dImg, img, nImg);
      l2NormalizeBackward(ctx, dRawTxt, dTxt, txt, nTxt);
      const dNormed = e([batch.batch * batch.seqLen, Dt], 'clip.dNormed', true);
      embeddingBackward(ctx, dNormed, dRawTxt, batch.summaryRows);
      this.decoder.backward(st, { adapters: null, dExtra: null, base: this.textGrads }, 0, dNormed);
      this.decoder.release(st);
      this.ops.releaseInputs();
      const dFeatures = e([B, T, Dt], 'clip.dFeatures', true);
      meanPoolBackward(ctx, dFeatures, dRawImg, P);
      visionTowerBackward(ctx, dFeatures, state, this.vision, this.visionGrads, c); // releases state
      return await this.update(loss, opts.apply !== false);
    } finally {
      if (state) releaseVisionTrainState(ctx, state); // no-op after a backward
      ctx.release(...tmp);
    }
  }

  /** The guarded clip + AdamW update (optimizer.ts); lr from the schedule, step = stepsDone + 1. */
  private async update(loss: GpuTensor, apply: boolean): Promise<ClipStepMetrics> {
    const o = this.options;
    const lt = (await this.ctx.read(this.logTau))[0]; // τ of this step's loss, before the update moves it
    const lr = apply ? lrAt(this.stepsDone, { lr: o.lr, warmupSteps: o.warmupSteps, totalSteps: o.steps, minLrRatio: o.minLrRatio }) : 0;
    const { values: [l], gradNorm } = await this.optimizer.update([{ name: 'contrastive loss', tensor: loss }], {
      lr, beta1: ADAMW_DEFAULTS.beta1, beta2: ADAMW_DEFAULTS.beta2, eps: ADAMW_DEFAULTS.eps, weightDecay: o.weightDecay, maxGradNorm: o.maxGradNorm,
    }, this.stepsDone + 1, apply);
    if (apply) this.stepsDone++;
    return { loss: l, gradNorm, lr, temperature: Math.exp(lt) };
  }

  async embedImages(pixels: Float32Array, n: number): Promise<Float32Array> {
    const { ctx, config: c } = this;
    const Dt = c.text.hidden_size, T = c.imageTokensPerImage;
    this.checkPixels(pixels, n, 'embedImages');
    const out = new Float32Array(n * Dt);
    for (let s = 0; s < n; s += EMBED_CHUNK) {
      const m = Math.min(EMBED_CHUNK, n - s);
      const px = this.uploadPixels(pixels.subarray(s * this.imageSize, (s + m) * this.imageSize), m, 'embedImages');
      const features = ctx.empty([m, T, Dt], 'clip.features');
      const raw = ctx.empty([m, Dt], 'clip.rawImg'), emb = ctx.empty([m, Dt], 'clip.imgEmb'), norm = ctx.empty([m], 'clip.imgNorm');
      visionTowerForward(ctx, { features }, px, this.vision, c);
      meanPoolForward(ctx, raw, features, this.pool(m));
      l2NormalizeForward(ctx, emb, norm, raw);
      out.set(await ctx.read(emb), s * Dt);
      ctx.release(px, features, raw, emb, norm);
    }
    return out;
  }

  async embedTexts(texts: string[]): Promise<Float32Array> {
    const { ctx } = this;
    const Dt = this.config.text.hidden_size;
    const out = new Float32Array(texts.length * Dt);
    for (let s = 0; s < texts.length; s += EMBED_CHUNK) {
      const part = texts.slice(s, s + EMBED_CHUNK);
      const batch = this.packTexts(part);
      const st = this.decoder.forward(batch, null, { activations: 'none' });
      const raw = ctx.empty([part.length, Dt], 'clip.rawTxt'), emb = ctx.empty([part.length, Dt], 'clip.txtEmb');
      const norm = ctx.empty([part.length], 'clip.txtNorm');
      embeddingForward(ctx, raw, batch.summaryRows, st.normed);
      l2NormalizeForward(ctx, emb, norm, raw);
      this.decoder.release(st);
      this.ops.releaseInputs();
      out.set(await ctx.read(emb), s * Dt);
      ctx.release(raw, emb, norm);
    }
    return out;
  }

  async temperature(): Promise<number> {
    return Math.exp((await this.ctx.read(this.logTau))[0]);
  }

  dispose(): void {
    const { ctx } = this;
    for (const t of this.trainables) ctx.release(t.grad, t.m, t.v);
    releaseVisionWeights(ctx, this.vision);
    releaseTextTower(ctx, this.text);
    this.optimizer.dispose();
    ctx.release(this.logTau, ...this.pools.values());
    this.pools.clear();
  }
}
