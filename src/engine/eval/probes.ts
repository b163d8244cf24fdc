// Compositional probes and zero-shot classification, from precomputed similarities.
import { SUGARCREPE_CATEGORIES, type SugarCrepeCategory, type WinoSims } from '../../shared/eval.ts';

export interface CategoryScore {
  correct: number;
  total: number;
  accuracy: number;
}

/**
 * SugarCrepe: an item is correct when sim(image, positive) > sim(image, negative), strictly
 * (a tie is wrong: the model did not tell them apart). Returns per-category accuracy and the
 * macro average over categories that have items.
 */
export function sugarCrepeAccuracy(items: ReadonlyArray<{ category: SugarCrepeCategory; positive: number; negative: number }>): {
  perCategory: Partial<Record<SugarCrepeCategory, CategoryScore>>;
  macro: number;
} {
  const per: Partial<Record<SugarCrepeCategory, CategoryScore>> = {};
  for (const it of items) {
    const c = (per[it.category] ??= { correct: 0, total: 0, accuracy: 0 });
    c.total++;
    if (it.positive > it.negative) c.correct++;
  }
  const accs: number[] = [];
  for (const cat of SUGARCREPE_CATEGORIES) {
    const c = per[cat];
    if (!c) continue;
    c.accuracy = c.correct / c.total;
    accs.push(c.accuracy);
  }
  return { perCategory: per, macro: accs.length ? accs.reduce((a, b) => a + b, 0) / accs.length : NaN };
}

export type { WinoSims } from '../../shared/eval.ts';

/**
 * Winoground (Thrush et al. 2022):
 *   text  = s(c0,i0) > s(c1,i0) && s(c1,i1) > s(c0,i1)   (pick the right caption per image)
 *   image = s(c0,i0) > s(c0,i1) && s(c1,i1) > s(c1,i0)   (pick the right image per caption)
 *   group = text && image
 */
export function winogroundScores(items: readonly WinoSims[]): { text: number; image: number; group: number; n: number } {
  let text = 0;
  let image = 0;
  let group = 0;
  for (const s of items) {
    const t = s[0][0] > s[1][0] && s[1][1] > s[0][1];
    const i = s[0][0] > s[0][1] && s[1][1] > s[1][0];
    text += +t;
    image += +i;
    group += +(t && i);
  }
  const n = items.length;
  return { text: text / n, image: image / n, group: group / n, n };
}

/**
 * Zero-shot classification with prompt ensembling (CLIP): each class embedding is the mean
 * of its L2-normalised prompt embeddings, re-normalised; an image is assigned the class of
 * highest cosine (ties → lower class index).
 *   imageEmb [I, D], promptEmb [P, D], promptClass[p] ∈ [0, C), labels[i] ∈ [0, C).
 */
export function zeroShotAccuracy(
  imageEmb: Float32Array,
  promptEmb: Float32Array,
  promptClass: ArrayLike<number>,
  labels: ArrayLike<number>,
  numClasses: number,
  D: number,
): { accuracy: number; perClass: Float64Array; predictions: Int32Array } {
  const I = labels.length;
  const P = promptClass.length;
  if (imageEmb.length !== I * D || promptEmb.length !== P * D) throw new RangeError(`zeroShotAccuracy: embedding sizes do not match I=${I}, P=${P}, D=${D}`);
  const cls = new Float64Array(numClasses * D);
  const norm = (v: ArrayLike<number>, off: number) => {
    let s = 0;
    for (let d = 0; d < D; d++) s += v[off + d] * v[off + d];
    return Math.sqrt(s) || 1;
  };
  for (let p = 0; p < P; p++) {
    const c = promptClass[p];
    if (!(c >= 0 && c < numClasses)) throw new RangeError(`zeroShotAccuracy: promptClass[${p}] = ${c} is not a class`);
    const n = norm(promptEmb, p * D);
    for (let d = 0; d < D; d++) cls[c * D + d] += promptEmb[p * D + d] / n;
  }
  for (let c = 0; c < numClasses; c++) {
    const n = norm(cls, c * D);
    for (let d = 0; d < D; d++) cls[c * D + d] /= n;
  }
  const predictions = new Int32Array(I);
  const hits = new Float64Array(numClasses);
  const counts = new Float64Array(numClasses);
  let correct = 0;
  for (let i = 0; i < I; i++) {
    let best = -Infinity;
    let arg = 0;
    for (let c = 0; c < numClasses; c++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += imageEmb[i * D + d] * cls[c * D + d];
      if (s > best) [best, arg] = [s, c];
    }
    predictions[i] = arg;
    counts[labels[i]]++;
    if (arg === labels[i]) {
      correct++;
      hits[labels[i]]++;
    }
  }
  return { accuracy: correct / I, perClass: hits.map((h, c) => (counts[c] ? h / counts[c] : NaN)), predictions };
}
