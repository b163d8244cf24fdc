/**
 * One full-parameter pretraining step of a VLM on (image, caption) pairs: generative
 * captioning (next-token loss on the caption tokens only), every weight trained.
 *
 * Public API:
 *   interface PretrainExample { pixels: Float32Array [3,S,S]; caption: string; long: boolean }
 *   interface PretrainStepConfig { lr, beta1, beta2, eps, weightDecay, maxGradNorm, maxLongTokens }
 *   class PretrainStep(ctx, vlm, vision: VisionWeights, params: PretrainParams)
 *     run(examples, cfg, step (1-based), { apply? }) → Promise<PretrainStepMetrics>
 *
 * Call list (M images, T tokens per image, Dt text hidden):
 *   pixels [M,3,S,S] → visionTowerForwardTrain → features [M,T,Dt]
 *   per caption kind (short | long, packed separately so short ones are not padded):
 *     extra = the group's feature rows; sequences = imageTrainSequence (the Vlm's image prompt
 *     with image i's rows at extra[i·T…], then ' ' + caption cut to maxLongTokens + end token;
 *     labels on the caption and end token only)
 *     decoder forward (activations kept) → CE mean over the group's caption tokens;
 *     backward with dLoss = group tokens / batch tokens (so the total is the mean over every
 *     caption token of the batch), base grads into params.decoderGrads, dExtra → dFeatures rows
 *   visionTowerBackward(dFeatures) → params.visionGrads
 *   global grad norm + NaN/Inf guard (read once; throws NonFiniteLossError before updating)
 *   → clip scale → AdamW on every tensor (decay on matrices only).
 * Trap: the Vlm must run with `useAdapters = false` (no LoRA, no soft prompts): then image
 * positions read extra rows i·T + k with base 0, and the decoder weights ARE the trainables.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { IGNORE } from '../../model/vlm/batch.ts';
import type { Vlm } from '../../model/vlm/vlm.ts';
import { visionTowerBackward, visionTowerForwardTrain } from '../../model/vision/tower_train.ts';
import type { VisionWeights } from '../../model/vision/weights.ts';
import { Optimizer, type OptimizerSettings } from '../optimizer.ts';
import { imageTrainSequence } from '../vladva_step.ts';
import type { PretrainParams } from './params.ts';

export interface PretrainExample {
  /** [3, S, S] preprocessed pixels. */
  pixels: Float32Array;
  caption: string;
  /** Long captions are cut to maxLongTokens; also the packing group. */
  long: boolean;
}

export interface PretrainStepConfig extends OptimizerSettings {
  maxLongTokens: number;
}

export interface PretrainStepMetrics {
  loss: number;
  gradNorm: number;
  /** Labelled (caption + end) tokens, and every token run through the decoder. */
  captionTokens: number;
  tokens: number;
}

export class PretrainStep {
  private readonly optimizer: Optimizer;

  constructor(readonly ctx: GpuContext, readonly vlm: Vlm, readonly vision: VisionWeights, readonly params: PretrainParams) {
    if (vlm.useAdapters && (vlm.adapters || vlm.extraImageBase > 0)) {
      throw new Error('PretrainStep: set vlm.useAdapters = false (pretraining uses no LoRA and no soft prompts)');
    }
    this.optimizer = new Optimizer(ctx, params.trainables, 'pretrain');
  }

  /** `timings` (optional): filled with ms per phase (vision fwd, decoder, vision bwd, update);
   * costs a GPU sync per phase, so leave it out of real runs. */
  async run(examples: PretrainExample[], cfg: PretrainStepConfig, step: number,
    opts: { apply?: boolean; timings?: Record<string, number> } = {}): Promise<PretrainStepMetrics> {
    const { ctx, vlm } = this;
    let tMark = performance.now();
    const mark = async (phase: string) => {
      if (!opts.timings) return;
      await ctx.sync();
      const now = performance.now();
      opts.timings[phase] = (opts.timings[phase] ?? 0) + now - tMark;
      tMark = now;
    };
    const M = examples.length;
    if (M === 0) throw new Error('PretrainStep.run: no examples');
    const c = vlm.config;
    const S = c.vision.image_size, C = c.vision.num_channels, img = C * S * S;
    const T = vlm.tokensPerImage, H = vlm.dims.hidden;
    const pix = new Float32Array(M * img);
    examples.forEach((e, i) => {
      if (e.pixels.length !== img) throw new Error(`PretrainStep.run: example ${i} has ${e.pixels.length} pixel values, want [${C},${S},${S}]`);
      pix.set(e.pixels, i * img);
    });
    for (const t of this.params.trainables) ctx.clear(t.grad);

    // ---- vision forward (activations kept)
    const pixels = ctx.upload(pix, [M, C, S, S], 'pretrain.pixels');
    const { features, state } = visionTowerForwardTrain(ctx, pixels, this.vision, c);
    ctx.release(pixels);
    const dFeatures = ctx.zeros([M, T, H], 'pretrain.dFeatures');
    await mark('visionForward');

    // ---- decoder per caption kind
    const groups = [false, true].map((long) => examples.flatMap((e, i) => (e.long === long ? [i] : []))).filter((g) => g.length > 0);
    const seqs = groups.map((g) => g.map((i, j) =>
      imageTrainSequence(vlm, j, 0, examples[i].caption, examples[i].long ? cfg.maxLongTokens : Number.MAX_SAFE_INTEGER)));
    const labelled = seqs.map((ss) => ss.reduce((n, q) => n + q.labels!.filter((l) => l !== IGNORE).length, 0));
    const captionTokens = labelled.reduce((a, b) => a + b, 0);
    const dec = vlm.decoder();
    const losses: GpuTensor[] = [];
    let tokens = 0;
    for (const [k, g] of groups.entries()) {
      const extra = ctx.empty([g.length * T, H], 'pretrain.extra');
      g.forEach((i, j) => ctx.copyRange(features, i * T * H, extra, j * T * H, T * H));
      const batch = vlm.pack(seqs[k]);
      tokens += batch.batch * batch.seqLen;
      const st = dec.forward(batch, extra, { activations: 'keep' });
      const dExtra = ctx.zeros(extra.shape, 'pretrain.dExtra');
      dec.backward(st, { adapters: null, dExtra, base: this.params.decoderGrads }, labelled[k] / captionTokens, null);
      g.forEach((i, j) => ctx.copyRange(dExtra, j * T * H, dFeatures, i * T * H, T * H));
      losses.push(st.loss!);
      st.loss = null; // kept past release for the readback below
      dec.release(st);
      ctx.release(extra, dExtra);
      vlm.ops.releaseInputs();
    }
    ctx.release(features);
    await mark('decoder');

    // ---- vision backward (releases the state)
    visionTowerBackward(ctx, dFeatures, state, this.vision, this.params.visionGrads, c);
    ctx.release(dFeatures);
    await mark('visionBackward');

    // ---- guard + clip + AdamW (optimizer.ts)
    const watched = losses.map((tensor, k) => ({ name: `caption loss (group ${k})`, tensor }));
    const { values, gradNorm } = await this.optimizer.update(watched, cfg, step, opts.apply !== false)
      .finally(() => ctx.release(...losses));
    let loss = 0;
    for (const [k, l] of values.entries()) loss += (l * labelled[k]) / captionTokens;
    await mark('update');
    return { loss, gradNorm, captionTokens, tokens };
  }

  dispose(): void {
    this.optimizer.dispose();
  }
}
