// The evaluation vocabulary both sides use: the engine scores probes with it
// (engine/eval/synthetic_eval.ts, probes.ts), the Probes screen shows per-item similarities
// with the same `dot` / `winoSims` so its numbers match the report's.
// Embedding tables are row-major Float32 [rows, d], L2-normalised (dot = cosine).

export const SUGARCREPE_CATEGORIES = [
  'replace-obj',
  'replace-att',
  'replace-rel',
  'swap-obj',
  'swap-att',
  'add-obj',
  'add-att',
] as const;
export type SugarCrepeCategory = (typeof SUGARCREPE_CATEGORIES)[number];

/** Winoground pairs a synthetic evaluation of `testScenes` scenes adds (2 images + 2 captions each). */
export const winogroundPairsFor = (testScenes: number): number => Math.max(2, Math.floor(testScenes / 4));

/** One SugarCrepe item: image row, positive and hard-negative text rows. */
export interface ProbeItem {
  category: SugarCrepeCategory;
  image: number;
  pos: number;
  neg: number;
}

/** One Winoground pair: imgs[i] is described by caps[i] (text rows). */
export interface WinoItem {
  id: string;
  kind: string;
  imgs: [number, number];
  caps: [number, number];
}

/** Winoground similarities of one item: s[c][i] = sim(caption_c, image_i). */
export type WinoSims = [[number, number], [number, number]];

export interface EvalReport {
  /** Recall@k as a fraction in 0…1, keyed by k (1, 5, 10). */
  retrieval: { textToImage: Record<number, number>; imageToText: Record<number, number>; images: number; texts: number };
  sugarcrepe: { perCategory: Partial<Record<SugarCrepeCategory, { correct: number; total: number; accuracy: number }>>; macro: number };
  winoground: { text: number; image: number; group: number; n: number };
}

/** Dot product of row i of a [*, d] table and row j of another (cosine for unit rows). */
export function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
}

/** s[c][i] = sim(caption c, image i) of one Winoground pair. */
export function winoSims(w: WinoItem, T: Float32Array, I: Float32Array, d: number): WinoSims {
  const { imgs, caps } = w;
  return [
    [dot(T, caps[0], I, imgs[0], d), dot(T, caps[0], I, imgs[1], d)],
    [dot(T, caps[1], I, imgs[0], d), dot(T, caps[1], I, imgs[1], d)],
  ];
}
