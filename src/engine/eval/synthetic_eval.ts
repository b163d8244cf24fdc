// The synthetic evaluation plan shared by the CLI (`discern eval`, scripts/cli/evaluate.ts)
// and the Probes screen: the seeded test split → the images and texts to embed, the probe
// items that index into them, and the scoring of one pair of embedding tables.
//   texts  = [test captions (n) | SugarCrepe positives-as-captions + negatives | Winoground captions]
//   images = [test images (n) | Winoground images (2 per pair)]
// Pure TS (runs in Node and the browser).
import type { SugarCrepeCategory } from '../data/dataset.ts';
import { syntheticFiles } from '../data/synthetic/files.ts';
import { sugarCrepeAccuracy, winogroundScores, type WinoSims } from './probes.ts';
import { retrievalRecall } from './retrieval.ts';

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

export interface EvalPlan {
  files: Map<string, Uint8Array>;
  images: string[];
  texts: string[];
  /** Number of test scenes: images[0..n) and texts[0..n) are the retrieval pairs. */
  n: number;
  probes: ProbeItem[];
  wino: WinoItem[];
  score(textEmb: Float32Array, imageEmb: Float32Array, dim: number): EvalReport;
}

export interface EvalReport {
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

export function planSyntheticEval(count: number, seed: number): EvalPlan {
  const winoCount = Math.max(2, Math.floor(count / 4));
  const { dataset, files } = syntheticFiles({ seed, train: 0, val: 0, test: count, winoground: winoCount });
  const images = dataset.test.map((s) => `images/test/${s.id}.png`);
  const texts = dataset.test.map((s) => s.caption);
  const probes: ProbeItem[] = [];
  dataset.test.forEach((s, i) => {
    for (const [cat, neg] of Object.entries(s.negatives) as [SugarCrepeCategory, string][]) {
      probes.push({ category: cat, image: i, pos: i, neg: texts.push(neg) - 1 });
    }
  });
  const wino = dataset.winoground.map((p): WinoItem => {
    const imgs: [number, number] = [images.push(`images/winoground/${p.scenes[0].id}.png`) - 1, images.push(`images/winoground/${p.scenes[1].id}.png`) - 1];
    const caps: [number, number] = [texts.push(p.captions[0]) - 1, texts.push(p.captions[1]) - 1];
    return { id: p.id, kind: p.kind, imgs, caps };
  });
  const n = dataset.test.length;
  return {
    files, images, texts, n, probes, wino,
    score(T, I, d) {
      const sim = new Float32Array(n * n);
      for (let t = 0; t < n; t++) for (let i = 0; i < n; i++) sim[t * n + i] = dot(T, t, I, i, d);
      const r = retrievalRecall(sim, n, n, Array.from({ length: n }, (_, i) => i));
      const sc = sugarCrepeAccuracy(probes.map((p) => ({ category: p.category, positive: dot(T, p.pos, I, p.image, d), negative: dot(T, p.neg, I, p.image, d) })));
      return {
        retrieval: { textToImage: r.textToImage, imageToText: r.imageToText, images: n, texts: n },
        sugarcrepe: sc,
        winoground: winogroundScores(wino.map((w) => winoSims(w, T, I, d))),
      };
    },
  };
}
