// One VladVA optimisation step with gradient caching (GradCache, Gao et al. 2021):
//
//  1. embed: every image and short caption of the batch, chunk by chunk, WITHOUT keeping
//     activations → raw summary states rawImg, rawTxt [K,H] → L2-normalised img, txt;
//  2. loss: symmetric InfoNCE(img, txt) (temperature exp(logTau)); backward gives dImg, dTxt
//     (→ dRawImg, dRawTxt through the L2 norm) and dLogTau — the "gradient cache";
//  3. replay: chunk by chunk, forward again WITH activations and backward with the cached
//     gradient injected at each summary row. Image chunks carry the long caption appended
//     after the image prompt, so the same pass adds λn·next-token CE (mean over the whole
//     batch's caption tokens: each chunk's mean is weighted by its share of the tokens);
//  4. the guarded update (optimizer.ts): NaN/Inf check, global-norm clip, AdamW on LoRA, soft
//     prompts (and logTau).
// Peak memory is one chunk's activations plus O(K·H + K²) — independent of the batch size.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { elementwiseBackward } from '../kernels/elementwise/elementwise.ts';
import { embeddingBackward } from '../kernels/embedding/embedding.ts';
import { infoNceBackward, infoNceForward } from '../kernels/loss/infonce.ts';
import { l2NormalizeBackward, l2NormalizeForward } from '../kernels/loss/l2norm.ts';
import { mapAdapters } from '../model/vlm/adapters.ts';
import { IGNORE, type Sequence } from '../model/vlm/batch.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import { Optimizer, type OptimizerSettings } from './optimizer.ts';
import { gradOf, type Trainable } from './params.ts';

export { NonFiniteLossError } from './optimizer.ts';

export interface StepConfig extends OptimizerSettings {
  lambdaContrastive: number;
  lambdaNextToken: number;
  /** Sequences per replay chunk (bounds activation memory). */
  chunkSize: number;
  /** Long captions are cut to this many tokens. */
  maxLongTokens: number;
  /** Replay-pass activations: all layers kept (default) or per-layer recompute (less memory). */
  activations?: 'keep' | 'recompute';
}

export interface TrainBatch {
  /** [K, tokensPerImage, H] frozen vision features of the K images. */
  features: GpuTensor;
  shortCaptions: string[];
  /** null where an example has no long caption (contrastive term only). */
  longCaptions: (string | null)[];
}

export interface StepMetrics {
  loss: number;
  contrastive: number;
  nextToken: number;
  gradNorm: number;
  captionTokens: number;
  peakBytes: number;
}

/** Image prompt + long caption (+ end token); labels predict the caption from the summary token on. */
export function imageTrainSequence(vlm: Vlm, i: number, base: number, long: string | null, maxTokens: number): Sequence {
  const seq = vlm.imageSequence(i, base);
  if (!long) return seq;
  const end = vlm.tokenizer.specialIds.get('<end_of_utterance>') ?? vlm.tokenizer.eosId;
  const cap = vlm.tokenizer.encode(' ' + long.trim()).slice(0, maxTokens);
  if (end != null) cap.push(end);
  const ids = [...seq.ids, ...cap];
  const labels = new Array<number>(ids.length).fill(IGNORE);
  for (let t = seq.summaryIndex; t < ids.length - 1; t++) labels[t] = ids[t + 1];
  return { ids, src: [...seq.src, ...new Array(cap.length).fill(-1)], labels, summaryIndex: seq.summaryIndex };
}

function chunks(K: number, size: number): [number, number][] {
  const out: [number, number][] = [];
  for (let s = 0; s < K; s += size) out.push([s, Math.min(K, s + size)]);
  return out;
}

export class VladvaStep {
  private readonly optimizer: Optimizer;

  constructor(
    readonly ctx: GpuContext,
    readonly vlm: Vlm,
    readonly trainables: Trainable[],
    /** [1] log temperature (a trainable when learnable). */
    readonly logTau: GpuTensor,
  ) {
    this.optimizer = new Optimizer(ctx, trainables, 'step');
  }

  /** Runs one step; `step` is 1-based (AdamW bias correction). With `apply: false` the
   * gradients are left in the trainables' grad tensors and no update is made (tests, eval). */
  run(b: TrainBatch, cfg: StepConfig, step: number, opts: { apply?: boolean } = {}): Promise<StepMetrics> {
    return this.runAccumulated([b], cfg, step, opts);
  }

  /**
   * Gradient accumulation: one update from several contrastive batches (each its own set of
   * in-batch negatives, as in the paper's large-batch recipe without the memory). Every
   * micro-batch's loss is weighted 1/M, so the update equals the mean of the M gradients.
   */
  async runAccumulated(batches: TrainBatch[], cfg: StepConfig, step: number, opts: { apply?: boolean } = {}): Promise<StepMetrics> {
    if (batches.length === 0) throw new Error('runAccumulated: no batches');
    const { ctx } = this;
    ctx.pool.resetPeak();
    for (const t of this.trainables) ctx.clear(t.grad);
    const lossC = ctx.zeros([1], 'loss.contrastive');
    const lossN = ctx.zeros([1], 'loss.nextToken');
    let captionTokens = 0;
    for (const b of batches) captionTokens += this.accumulate(b, cfg, 1 / batches.length, lossC, lossN);
    return this.update(cfg, step, opts, lossC, lossN, captionTokens);
  }

  /** Phases 1–3 for one batch: adds weight·∂loss/∂θ into the grads and weight·loss terms into lossC/lossN. */
  private accumulate(b: TrainBatch, cfg: StepConfig, weight: number, lossCAcc: GpuTensor, lossNAcc: GpuTensor): number {
    const { ctx, vlm } = this;
    const K = b.shortCaptions.length;
    const H = vlm.dims.hidden;
    const T = vlm.tokensPerImage;
    if (b.longCaptions.length !== K || b.features.size !== K * T * H) {
      throw new Error(`batch: ${K} short captions, ${b.longCaptions.length} long captions, features ${b.features.label}[${b.features.shape}] (want ${K}×${T}×${H})`);
    }
    const parts = chunks(K, cfg.chunkSize);
    const dec = vlm.decoder();
    const base = vlm.extraImageBase;

    const imageSeqs = (s: number, e: number, withCaptions: boolean) =>
      Array.from({ length: e - s }, (_, j) => imageTrainSequence(vlm, j, base, withCaptions ? b.longCaptions[s + j] : null, cfg.maxLongTokens));
    const textSeqs = (s: number, e: number) => b.shortCaptions.slice(s, e).map((t) => vlm.textSequence(t));
    const extraFor = (s: number, e: number) => vlm.buildExtra(b.features, s, e - s);

    // ---- 1. embed without activations
    const rawImg = ctx.empty([K, H], 'gc.rawImg');
    const rawTxt = ctx.empty([K, H], 'gc.rawTxt');
    const embedInto = (raw: GpuTensor, s: number, e: number, seqs: Sequence[], extra: GpuTensor) => {
      const batch = vlm.pack(seqs);
      const st = dec.forward(batch, extra, { keepActivations: false });
      const se = vlm.summaryEmbeddings(st, batch, 'gc.chunk');
      ctx.copyRange(se.raw, 0, raw, s * H, (e - s) * H);
      dec.release(st);
      ctx.release(se.emb, se.raw, se.norm);
      vlm.ops.releaseInputs();
    };
    for (const [s, e] of parts) {
      const extra = extraFor(s, e);
      embedInto(rawImg, s, e, imageSeqs(s, e, false), extra);
      ctx.release(extra);
      const extraT = vlm.buildExtra(null);
      embedInto(rawTxt, s, e, textSeqs(s, e), extraT);
      ctx.release(extraT);
    }

    // ---- 2. contrastive loss and the gradient cache
    const img = ctx.empty([K, H], 'gc.img'), nImg = ctx.empty([K], 'gc.normImg');
    const txt = ctx.empty([K, H], 'gc.txt'), nTxt = ctx.empty([K], 'gc.normTxt');
    l2NormalizeForward(ctx, img, nImg, rawImg);
    l2NormalizeForward(ctx, txt, nTxt, rawTxt);
    const lossC = ctx.zeros([1], 'loss.contrastive');
    const probs = ctx.empty([2, K, K], 'gc.probs');
    infoNceForward(ctx, lossC, probs, img, txt, { logTau: this.logTau });
    const dImg = ctx.zeros([K, H], 'gc.dImg'), dTxt = ctx.zeros([K, H], 'gc.dTxt');
    infoNceBackward(ctx, { dImg, dTxt, dLogTau: gradOf(this.trainables, 'logTau') }, weight * cfg.lambdaContrastive, img, txt, probs, { logTau: this.logTau });
    accumulateScaled(ctx, lossCAcc, lossC, weight);
    const dRawImg = ctx.zeros([K, H], 'gc.dRawImg'), dRawTxt = ctx.zeros([K, H], 'gc.dRawTxt');
    l2NormalizeBackward(ctx, dRawImg, dImg, img, nImg);
    l2NormalizeBackward(ctx, dRawTxt, dTxt, txt, nTxt);
    ctx.release(rawImg, rawTxt, img, nImg, txt, nTxt, probs, dImg, dTxt);

    // ---- 3. replay chunks with activations; inject the cached gradients
    const grads = {
      adapters: dec.adapters ? mapAdapters(dec.adapters, (_t, name) => gradOf(this.trainables, name)!, vlm.dims) : null,
    };
    const allImageSeqs = parts.map(([s, e]) => imageSeqs(s, e, true));
    const tokensIn = (seqs: Sequence[]) => seqs.reduce((n, q) => n + (q.labels?.filter((l) => l !== IGNORE).length ?? 0), 0);
    const captionTokens = allImageSeqs.reduce((n, seqs) => n + tokensIn(seqs), 0);
    // null when the soft prompts are frozen (trainSoftPrompts: false)
    const softGrads = [gradOf(this.trainables, 'softPrompt.image'), gradOf(this.trainables, 'softPrompt.text')];
    const replay = (s: number, e: number, seqs: Sequence[], extra: GpuTensor, dRaw: GpuTensor) => {
      const batch = vlm.pack(seqs);
      const st = dec.forward(batch, extra, { activations: cfg.activations ?? 'keep' });
      const dRawChunk = ctx.empty([e - s, H], 'gc.dRawChunk');
      ctx.copyRange(dRaw, s * H, dRawChunk, 0, (e - s) * H);
      const dNormed = ctx.zeros([batch.batch * batch.seqLen, H], 'gc.dNormed');
      embeddingBackward(ctx, dNormed, dRawChunk, batch.summaryRows);
      const tokens = tokensIn(seqs);
      const dLossCE = st.loss && tokens > 0 ? (weight * cfg.lambdaNextToken * tokens) / captionTokens : 0;
      const dExtra = ctx.zeros(extra.shape, 'gc.dExtra');
      dec.backward(st, { adapters: grads.adapters, dExtra }, dLossCE, dNormed);
      if (st.loss && tokens > 0) accumulateScaled(ctx, lossNAcc, st.loss, (weight * tokens) / captionTokens);
      // soft-prompt gradients are the first rows of dExtra; a prompt no row of this batch reads
      // (the text prompt in an image replay and vice versa) has zero rows there: skipped
      let row = 0;
      for (const [k, sp] of [vlm.softPrompts.image, vlm.softPrompts.text].entries()) {
        const g = softGrads[k];
        const lo = row, hi = row + sp.shape[0];
        if (g && batch.srcIndex?.some((i) => i >= lo && i < hi)) {
          const tmp = ctx.empty(sp.shape, 'gc.dSoft');
          ctx.copyRange(dExtra, row * H, tmp, 0, sp.size);
          vlm.ops.accumulate(g, tmp);
          ctx.release(tmp);
        }
        row += sp.shape[0];
      }
      dec.release(st);
      ctx.release(dRawChunk, dNormed, dExtra);
      vlm.ops.releaseInputs();
    };
    parts.forEach(([s, e], p) => {
      const extra = extraFor(s, e);
      replay(s, e, allImageSeqs[p], extra, dRawImg);
      ctx.release(extra);
      const extraT = vlm.buildExtra(null);
      replay(s, e, textSeqs(s, e), extraT, dRawTxt);
      ctx.release(extraT);
    });
    ctx.release(dRawImg, dRawTxt, lossC);
    return captionTokens;
  }

  /** Phase 4: the guarded clip + AdamW update (optimizer.ts). */
  private async update(
    cfg: StepConfig, step: number, opts: { apply?: boolean }, lossC: GpuTensor, lossN: GpuTensor, captionTokens: number,
  ): Promise<StepMetrics> {
    const watched = [{ name: 'contrastive loss', tensor: lossC }, { name: 'next-token loss', tensor: lossN }];
    const { values: [c, n], gradNorm } = await this.optimizer.update(watched, cfg, step, opts.apply !== false)
      .finally(() => this.ctx.release(lossC, lossN));
    return {
      loss: cfg.lambdaContrastive * c + cfg.lambdaNextToken * n,
      contrastive: c, nextToken: n, gradNorm, captionTokens, peakBytes: this.ctx.pool.peakLiveBytes,
    };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}

/** acc += s·x (loss bookkeeping on the GPU, no readback per chunk): the backward of the
 * table's `scale` op accumulates s·dout into the input's gradient. */
function accumulateScaled(ctx: GpuContext, acc: GpuTensor, x: GpuTensor, s: number): void {
  elementwiseBackward(ctx, { name: 'scale', scalar: s }, [acc], x, x);
}
