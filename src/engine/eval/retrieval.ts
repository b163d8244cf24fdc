// Image–text retrieval recall@K with several captions per image (COCO/Flickr protocol).
//   sim: [numTexts, numImages] row-major, sim[t, i] = similarity of caption t and image i.
//   textToImage[t] = index of the image caption t describes.
// Text→image: for each caption, rank of its image among all images; hit@K if rank < K.
// Image→text: for each image, the BEST rank among its captions (any correct caption in the
// top K counts); images without captions are skipped and counted.
// Ties are broken by lower index, as in topK — so a constant similarity is not a free hit.
import { ranksBefore } from './topk.ts';

export interface RecallAtK {
  [k: number]: number;
}

export interface RetrievalResult {
  textToImage: RecallAtK;
  imageToText: RecallAtK;
  /** Rank (0 = first) of the correct image for each text. */
  textRanks: Int32Array;
  /** Best rank of a correct caption for each image (-1: image has no caption). */
  imageRanks: Int32Array;
  imagesWithoutCaptions: number;
}

export function retrievalRecall(
  sim: Float32Array,
  numTexts: number,
  numImages: number,
  textToImage: ArrayLike<number>,
  ks: readonly number[] = [1, 5, 10],
): RetrievalResult {
  if (sim.length !== numTexts * numImages) throw new RangeError(`retrievalRecall: sim has ${sim.length} values, expected ${numTexts}×${numImages}`);
  if (textToImage.length !== numTexts) throw new RangeError(`retrievalRecall: textToImage has ${textToImage.length} entries, expected ${numTexts}`);
  const textRanks = new Int32Array(numTexts);
  for (let t = 0; t < numTexts; t++) {
    const g = textToImage[t];
    if (!(g >= 0 && g < numImages)) throw new RangeError(`retrievalRecall: textToImage[${t}] = ${g} is not an image index`);
    const sg = sim[t * numImages + g];
    let rank = 0;
    for (let i = 0; i < numImages; i++) if (ranksBefore(sim[t * numImages + i], i, sg, g)) rank++;
    textRanks[t] = rank;
  }
  const imageRanks = new Int32Array(numImages).fill(-1);
  for (let t = 0; t < numTexts; t++) {
    const i = textToImage[t];
    const st = sim[t * numImages + i];
    let rank = 0;
    for (let u = 0; u < numTexts; u++) if (ranksBefore(sim[u * numImages + i], u, st, t)) rank++;
    if (imageRanks[i] < 0 || rank < imageRanks[i]) imageRanks[i] = rank;
  }
  const recall = (ranks: Int32Array) => {
    const valid = ranks.filter((r) => r >= 0);
    const out: RecallAtK = {};
    for (const k of ks) out[k] = valid.length === 0 ? NaN : valid.filter((r) => r < k).length / valid.length;
    return out;
  };
  return {
    textToImage: recall(textRanks),
    imageToText: recall(imageRanks),
    textRanks,
    imageRanks,
    imagesWithoutCaptions: imageRanks.filter((r) => r < 0).length,
  };
}
