// attention-map request: where does the summary token look in the image?
//
// One decoder forward of the image prompt (batch 1, activations kept), then, for the LAST
// layer, on the CPU:
//   p_h[t] = softmax_t( q[s, h]·k[t, g(h)] / √D ),  t ∈ [0, s]   (causal row of the summary s)
//   w_h[j] = p_h[imagePos[j]] / Σ_j' p_h[imagePos[j']]             (restricted, renormalised)
//   w[j]   = mean_h w_h[j]
// with g(h) = ⌊h / (Hq/Hkv)⌋ (grouped-query attention). q and k are read AFTER RoPE — the
// same vectors the attention kernel multiplies. Image token j sits at row ⌊j/G⌋, column j % G
// of the pixel-shuffled grid, G = √tokensPerImage.
// Trap: the weights of the tuned model include its soft prompt (the summary's own context);
// `base` bypasses both adapters and soft prompts, like `embed {base: true}`.
import type { DecoderDims } from '../model/decoder/types.ts';
import type { Vlm } from '../model/vlm/vlm.ts';

export class AttentionMapError extends Error {
  override readonly name = 'AttentionMapError';
}

export interface SummaryAttention {
  /** [tokensPerImage] mean over heads of the renormalised attention on image tokens (sums to 1). */
  weights: Float32Array;
  /** [heads] share of each head's attention mass that falls on image tokens before renormalising. */
  imageMass: Float32Array;
}

/**
 * Pure CPU part. q: [T, Hq·D], k: [T, Hkv·D] (one sequence, row-major), summary = row s,
 * imagePos = the image-token rows (all < s for a causal row to see them).
 */
export function summaryAttention(q: Float32Array, k: Float32Array, d: Pick<DecoderDims, 'heads' | 'kvHeads' | 'headDim'>, summary: number, imagePos: readonly number[]): SummaryAttention {
  const { heads, kvHeads, headDim: D } = d;
  const qw = heads * D;
  const kw = kvHeads * D;
  if (q.length % qw !== 0 || k.length / kw !== q.length / qw) throw new AttentionMapError(`summaryAttention: q has ${q.length} values (width ${qw}) but k has ${k.length} (width ${kw})`);
  const T = q.length / qw;
  if (summary < 0 || summary >= T) throw new AttentionMapError(`summaryAttention: summary row ${summary} is outside the ${T}-token sequence`);
  const bad = imagePos.find((t) => t < 0 || t > summary);
  if (bad !== undefined) throw new AttentionMapError(`summaryAttention: image token row ${bad} is not visible from summary row ${summary}`);
  const group = heads / kvHeads;
  const scale = 1 / Math.sqrt(D);
  const weights = new Float32Array(imagePos.length);
  const imageMass = new Float32Array(heads);
  const p = new Float64Array(summary + 1);
  for (let h = 0; h < heads; h++) {
    const g = Math.floor(h / group);
    let max = -Infinity;
    for (let t = 0; t <= summary; t++) {
      let s = 0;
      for (let e = 0; e < D; e++) s += q[summary * qw + h * D + e] * k[t * kw + g * D + e];
      p[t] = s * scale;
      if (p[t] > max) max = p[t];
    }
    let z = 0;
    for (let t = 0; t <= summary; t++) z += p[t] = Math.exp(p[t] - max);
    let img = 0;
    for (const t of imagePos) img += p[t];
    imageMass[h] = img / z;
    for (let j = 0; j < imagePos.length; j++) weights[j] += p[imagePos[j]] / img / heads;
  }
  return { weights, imageMass };
}

/** features: [tokensPerImage·H] of one image. Runs the decoder and reads the last layer's q, k. */
export async function attentionMap(vlm: Vlm, features: Float32Array): Promise<SummaryAttention & { grid: number; layer: number }> {
  const H = vlm.dims.hidden;
  const n = vlm.tokensPerImage;
  if (features.length !== n * H) throw new AttentionMapError(`attention-map: features hold ${features.length} values, expected ${n}×${H}`);
  const grid = Math.round(Math.sqrt(n));
  if (grid * grid !== n) throw new AttentionMapError(`attention-map: ${n} image tokens do not form a square grid`);
  const seq = vlm.imageSequence(0, vlm.extraImageBase);
  const imagePos = vlm.imagePrompt.imagePositions;
  if (imagePos.length !== n) throw new AttentionMapError(`attention-map: the image prompt has ${imagePos.length} image tokens, the model ${n}`);
  const feats = vlm.ctx.upload(features, [1, n, H], 'attention.features');
  const extra = vlm.buildExtra(feats);
  vlm.ctx.release(feats);
  const dec = vlm.decoder();
  const st = dec.forward(vlm.pack([seq]), extra, { activations: 'keep' });
  const layer = vlm.dims.layers - 1;
  try {
    const A = dec.kept(st, layer);
    const [q, k] = [await vlm.ctx.read(A.q), await vlm.ctx.read(A.k)];
    return { ...summaryAttention(q, k, vlm.dims, seq.summaryIndex, imagePos), grid, layer };
  } finally {
    dec.release(st);
    vlm.ctx.release(extra);
    vlm.ops.releaseInputs();
  }
}
