// The synthetic evaluation plan shared by the CLI (`discern eval`, scripts/cli/evaluate.ts)
// and the Probes screen: the seeded test split → the images and texts to embed, the probe
// items that index into them, and the scoring of one pair of embedding tables.
//   texts  = [test captions (n) | SugarCrepe positives-as-captions + negatives | Winoground captions]
//   images = [test images (n) | Winoground images (2 per pair)]
// Pure TS (runs in Node and the browser).
import { dot, winogroundPairsFor, winoSims, type EvalReport, type ProbeItem, type SugarCrepeCategory, type WinoItem } from '../../shared/eval.ts';
import { syntheticFiles } from '../data/synthetic/files.ts';
import { sugarCrepeAccuracy, winogroundScores } from './probes.ts';
import { retrievalRecall } from './retrieval.ts';

export type { EvalReport, ProbeItem, WinoItem } from '../../shared/eval.ts';
export { dot, winoSims } from '../../shared/eval.ts';

/** What scoring needs of a plan: the retrieval pairs and the probe items (rows of the tables). */
export type EvalItems = Pick<EvalPlan, 'n' | 'probes' | 'wino'>;

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

/** Scores one pair of embedding tables T [texts, d], I [images, d] against a plan's items. */
export function scoreSyntheticEval(items: EvalItems, T: Float32Array, I: Float32Array, d: number): EvalReport {
  const { n, probes, wino } = items;
  const sim = new Float32Array(n * n);
  for (let t = 0; t < n; t++) for (let i = 0; i < n; i++) sim[t * n + i] = dot(T, t, I, i, d);
  const r = retrievalRecall(sim, n, n, Array.from({ length: n }, (_, i) => i));
  const sc = sugarCrepeAccuracy(probes.map((p) => ({ category: p.category, positive: dot(T, p.pos, I, p.image, d), negative: dot(T, p.neg, I, p.image, d) })));
  return {
    retrieval: { textToImage: r.textToImage, imageToText: r.imageToText, images: n, texts: n },
    sugarcrepe: sc,
    winoground: winogroundScores(wino.map((w) => winoSims(w, T, I, d))),
  };
}

export function planSyntheticEval(count: number, seed: number): EvalPlan {
  const winoCount = winogroundPairsFor(count);
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
      return scoreSyntheticEval({ n, probes, wino }, T, I, d);
    },
  };
}
