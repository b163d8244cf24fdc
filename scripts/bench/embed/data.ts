// Suite "embed": the decoder, the two playground-like batches and the host-side inputs every
// implementation starts from (pure TS, Node + browser; unit-tested in embed.test.ts).
//   * decoder: the train-step configuration (train/model.ts TRAIN_DIMS, same seeded weights),
//     frozen, no LoRA — the forward that turns a packed batch into summary embeddings;
//   * texts:  32 captions (quick: 8) of 12–20 tokens, right-padded (packSequences), summary =
//     last token;
//   * images: 8 images (quick: 2) × (10 prompt tokens + 64 image-feature rows + 6 tokens),
//     the feature rows taken from `extra` through srcIndex, summary = last token.
// inputsEmbeds() builds what an ONNX pipeline feeds its decoder (transformers.js style:
// embed_tokens gather, image features merged on the host): row r = extra[srcIndex[r]] when
// srcIndex[r] ≥ 0, else embed[ids[r]].
import { randInt, randn } from '../../../src/engine/util/random.ts';
import type { DecoderDims } from '../../../src/engine/model/decoder/types.ts';
import { packSequences, type PackedBatch, type Sequence } from '../../../src/engine/model/vlm/batch.ts';
import { makeTrainData, TRAIN_DIMS, type TrainData } from '../train/model.ts';

export const IMAGE_TOKENS = 64; // SmolVLM-256M: 64 feature rows per 512×512 image
export const EMBED_CASES = { full: { texts: 32, images: 8 }, quick: { texts: 8, images: 2 } } as const;

export interface EmbedCase {
  kind: 'texts' | 'images';
  count: number; // sequences = embeddings produced
  batch: PackedBatch;
  extra: Float32Array | null; // [E,H] image features (images case)
}

export function embedModel(seed = 7, d: DecoderDims = TRAIN_DIMS): TrainData {
  return makeTrainData(seed, d, { batch: 1, seqLen: 2 }); // ids/labels unused here
}

export function textCase(n: number, d: DecoderDims, seed = 11, minLen = 12): EmbedCase {
  const lens = Array.from(randInt(n, seed, 9), (x) => minLen + x); // 12..20 by default
  const seqs: Sequence[] = lens.map((len, i) => {
    const ids = Array.from(randInt(len, seed + 1 + i, d.vocab));
    return { ids, src: ids.map(() => -1), summaryIndex: len - 1 };
  });
  return { kind: 'texts', count: n, batch: packSequences(seqs, 0), extra: null };
}

export function imageCase(n: number, d: DecoderDims, seed = 23, tokens = IMAGE_TOKENS): EmbedCase {
  const pre = 10, post = 6, len = pre + tokens + post;
  const seqs: Sequence[] = Array.from({ length: n }, (_, i) => {
    const ids = Array.from(randInt(len, seed + i, d.vocab));
    const src = ids.map((_, t) => (t >= pre && t < pre + tokens ? i * tokens + (t - pre) : -1));
    return { ids, src, summaryIndex: len - 1 };
  });
  return { kind: 'images', count: n, batch: packSequences(seqs, 0), extra: randn(n * tokens * d.hidden, seed + 1000, 1) };
}

export function embedCases(quick: boolean, d: DecoderDims = TRAIN_DIMS): EmbedCase[] {
  const c = quick ? EMBED_CASES.quick : EMBED_CASES.full;
  return [textCase(c.texts, d), imageCase(c.images, d)];
}

/** [B·T·H] decoder input rows (see header). */
export function inputsEmbeds(c: EmbedCase, embed: Float32Array, H: number): Float32Array {
  const { ids, srcIndex } = c.batch;
  const out = new Float32Array(ids.length * H);
  for (let r = 0; r < ids.length; r++) {
    const s = srcIndex ? srcIndex[r] : -1;
    if (s >= 0) {
      if (!c.extra || (s + 1) * H > c.extra.length) throw new Error(`inputsEmbeds: row ${r} reads extra row ${s}, beyond the ${c.extra ? c.extra.length / H : 0} given`);
      out.set(c.extra.subarray(s * H, (s + 1) * H), r * H);
    } else out.set(embed.subarray(ids[r] * H, (ids[r] + 1) * H), r * H);
  }
  return out;
}

/** Tokens that go through the decoder (padding included, as both sides compute it). */
export function caseTokens(c: EmbedCase): number {
  return c.batch.batch * c.batch.seqLen;
}

/** ONNX feeds besides inputs_embeds: int64 positions, float mask, int64 summary rows. */
export function onnxFeeds(c: EmbedCase): { positions: BigInt64Array; mask: Float32Array; rows: BigInt64Array } {
  const { positions, keyMask, summaryRows } = c.batch;
  return {
    positions: BigInt64Array.from(positions, (p) => BigInt(p)),
    mask: keyMask ? Float32Array.from(keyMask) : new Float32Array(positions.length).fill(1),
    rows: BigInt64Array.from(summaryRows, (r) => BigInt(r)),
  };
}
