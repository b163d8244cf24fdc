/**
 * Caption log-likelihoods under the LVLM's own language head: log p(caption | image) with
 * pretraining's sequence (image prompt, ' ' + caption, end token; run.ts / imageTrainSequence).
 * A *generative* reading of the compositional probes: does the model know the true caption
 * (scores it above its hard negative), whatever its summary-token embedding says? (issue 12:
 * where the knowledge the tuned embeddings miss actually is.)
 *
 * Public API:
 *   interface CaptionScore { logProb (Σ over the caption's tokens + end token, nats), tokens }
 *   captionLogProbs(vlm, extra [T, H] = one image's decoder features, captions, maxTokens?) → Promise<CaptionScore[]>
 *
 * Uses the decoder as vlm.useAdapters says (set it false for the base model). One forward of
 * all captions as one padded batch; the CE kernel's per-row logsumexp (lseCE) and the gathered
 * normed rows come back to the host, where logit[label] = normed_r · lm_head[label] is a dot
 * product of H numbers, so log p = logit[label] − lse. Σ(−logProb) / Σ tokens equals the
 * decoder's mean CE loss of the same batch (caption_likelihood.gpu.test.ts).
 * Trap: lm_head must be a plain float32 tensor (the tiny bundled models; a bf16-packed head of
 * a real SmolVLM is refused with a clear error rather than read as garbage).
 */
import type { GpuTensor } from '../gpu/tensor.ts';
import { imageTrainSequence } from '../train/vladva_step.ts';
import type { Vlm } from '../model/vlm/vlm.ts';

export interface CaptionScore {
  /** log p(caption tokens + end token | prompt, image), natural log. */
  logProb: number;
  /** Tokens scored (caption tokens + the end token). */
  tokens: number;
}

export async function captionLogProbs(vlm: Vlm, extra: GpuTensor, captions: string[], maxTokens = Number.MAX_SAFE_INTEGER): Promise<CaptionScore[]> {
  if (!captions.length) return [];
  const ctx = vlm.ctx;
  const head = vlm.weights.lmHead;
  const H = vlm.dims.hidden, V = vlm.dims.vocab;
  if (head.size !== V * H) throw new Error(`captionLogProbs: lm_head holds ${head.size} values, want [${V}, ${H}] float32 (packed heads are not supported)`);
  const batch = vlm.pack(captions.map((c) => imageTrainSequence(vlm, 0, 0, c, maxTokens)));
  const dec = vlm.decoder();
  const st = dec.forward(batch, extra, { activations: 'none' });
  try {
    const labels = batch.labels!;
    // rows of the CE: the gathered labelled rows, or every row when the decoder did not gather
    const rows = st.ce ? st.ce.rows : Uint32Array.from(labels.keys());
    const normed = await ctx.read(st.ce ? st.ce.normed : st.normed); // [R, H]
    const lse = await ctx.read(st.lseCE!); // [R]
    const w = await ctx.read(head); // [V, H]
    const out = captions.map((): CaptionScore => ({ logProb: 0, tokens: 0 }));
    rows.forEach((r, j) => {
      const label = labels[r];
      if (label < 0) return;
      let logit = 0;
      for (let k = 0; k < H; k++) logit += normed[j * H + k] * w[label * H + k];
      const s = out[Math.floor(r / batch.seqLen)];
      s.logProb += logit - lse[j];
      s.tokens++;
    });
    return out;
  } finally {
    dec.release(st);
    vlm.ops.releaseInputs();
  }
}
