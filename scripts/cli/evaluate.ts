// `discern eval`: the synthetic test split (generated here in Node, identical to the
// browser's) → one embed request → retrieval and probe metrics computed in Node with the
// same src/engine/eval code the app uses. The plan itself lives in
// src/engine/eval/synthetic_eval.ts (shared with the Probes screen); this file formats it.
import type { EvalReport } from '../../src/engine/eval/synthetic_eval.ts';

export { planSyntheticEval, type EvalPlan, type EvalReport } from '../../src/engine/eval/synthetic_eval.ts';

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
