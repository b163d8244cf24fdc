// `discern eval`: the synthetic test split (generated here in Node, identical to the
// browser's) → one embed request → retrieval and probe metrics computed in Node with the
// same src/engine/eval code the app uses.
//   texts = [test captions (n) | SugarCrepe positives+negatives | Winoground captions]
//   images = [test images (n) | Winoground images (2 per pair)]
import type { SugarCrepeCategory } from '../../src/engine/data/dataset.ts';
import { syntheticFiles } from '../../src/engine/data/synthetic/files.ts';
import { sugarCrepeAccuracy, winogroundScores, type WinoSims } from '../../src/engine/eval/probes.ts';
import { retrievalRecall } from '../../src/engine/eval/retrieval.ts';

export interface EvalPlan {
  files: Map<string, Uint8Array>;
  images: string[];
  texts: string[];
  score(textEmb: Float32Array, imageEmb: Float32Array, dim: number): EvalReport;
}

export interface EvalReport {
  retrieval: { textToImage: Record<number, number>; imageToText: Record<number, number>; images: number; texts: number };
  sugarcrepe: { perCategory: Partial<Record<SugarCrepeCategory, { correct: number; total: number; accuracy: number }>>; macro: number };
  winoground: { text: number; image: number; group: number; n: number };
}

function dot(a: Float32Array, i: number, b: Float32Array, j: number, d: number): number {
  let s = 0;
  for (let k = 0; k < d; k++) s += a[i * d + k] * b[j * d + k];
  return s;
}

export function planSyntheticEval(count: number, seed: number): EvalPlan {
  const wino = Math.max(2, Math.floor(count / 4));
  const { dataset, files } = syntheticFiles({ seed, train: 0, val: 0, test: count, winoground: wino });
  const images = dataset.test.map((s) => `images/test/${s.id}.png`);
  const texts = dataset.test.map((s) => s.caption);
  const probes: { category: SugarCrepeCategory; image: number; pos: number; neg: number }[] = [];
  dataset.test.forEach((s, i) => {
    for (const [cat, neg] of Object.entries(s.negatives) as [SugarCrepeCategory, string][]) {
      probes.push({ category: cat, image: i, pos: i, neg: texts.push(neg) - 1 });
    }
  });
  const winoRows = dataset.winoground.map((p) => {
    const imgs = [images.push(`images/winoground/${p.scenes[0].id}.png`) - 1, images.push(`images/winoground/${p.scenes[1].id}.png`) - 1];
    const caps = [texts.push(p.captions[0]) - 1, texts.push(p.captions[1]) - 1];
    return { imgs, caps };
  });
  return {
    files, images, texts,
    score(T, I, d) {
      const n = dataset.test.length;
      const sim = new Float32Array(n * n);
      for (let t = 0; t < n; t++) for (let i = 0; i < n; i++) sim[t * n + i] = dot(T, t, I, i, d);
      const r = retrievalRecall(sim, n, n, Array.from({ length: n }, (_, i) => i));
      const sc = sugarCrepeAccuracy(probes.map((p) => ({ category: p.category, positive: dot(T, p.pos, I, p.image, d), negative: dot(T, p.neg, I, p.image, d) })));
      const ws = winoRows.map(({ imgs, caps }): WinoSims => [
        [dot(T, caps[0], I, imgs[0], d), dot(T, caps[0], I, imgs[1], d)],
        [dot(T, caps[1], I, imgs[0], d), dot(T, caps[1], I, imgs[1], d)],
      ]);
      return {
        retrieval: { textToImage: r.textToImage, imageToText: r.imageToText, images: n, texts: n },
        sugarcrepe: sc,
        winoground: winogroundScores(ws),
      };
    },
  };
}

const pct = (x: number) => (Number.isNaN(x) ? '  n/a' : `${(100 * x).toFixed(1).padStart(5)}`);

export function formatEval(r: EvalReport): string {
  const R = r.retrieval;
  const lines = [
    `retrieval (${R.images} images, ${R.texts} captions)      R@1   R@5  R@10`,
    `  text → image                         ${pct(R.textToImage[1])} ${pct(R.textToImage[5])} ${pct(R.textToImage[10])}`,
    `  image → text                         ${pct(R.imageToText[1])} ${pct(R.imageToText[5])} ${pct(R.imageToText[10])}`,
    `SugarCrepe (accuracy, %)`,
    ...Object.entries(r.sugarcrepe.perCategory).map(([c, s]) => `  ${c.padEnd(12)} ${pct(s!.accuracy)}  (${s!.correct}/${s!.total})`),
    `  macro        ${pct(r.sugarcrepe.macro)}`,
    `Winoground (${r.winoground.n} pairs, %)   text ${pct(r.winoground.text)}  image ${pct(r.winoground.image)}  group ${pct(r.winoground.group)}`,
  ];
  return lines.join('\n');
}
