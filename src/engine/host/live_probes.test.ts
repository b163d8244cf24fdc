// summarizeProbes: the Train screen's live panel reads these fields of an EvalReport.
import { expect, test } from 'vitest';
import type { EvalReport } from '../../shared/eval.ts';
import { summarizeProbes } from './live_probes.ts';

test('picks swap-obj, swap-att, replace-rel, Winoground group and R@5; absent categories are NaN', () => {
  const r: EvalReport = {
    retrieval: { textToImage: { 1: 0.25, 5: 0.75, 10: 1 }, imageToText: { 1: 0, 5: 0, 10: 0 }, images: 16, texts: 16 },
    sugarcrepe: { perCategory: { 'swap-obj': { correct: 3, total: 4, accuracy: 0.75 }, 'replace-rel': { correct: 1, total: 4, accuracy: 0.25 } }, macro: 0.5 },
    winoground: { text: 0.5, image: 0.5, group: 0.25, n: 4 },
  };
  const e = summarizeProbes(r, 'run-x', 20);
  expect(e).toMatchObject({ type: 'train-probes', runId: 'run-x', step: 20, swapObj: 0.75, replaceRel: 0.25, winoGroup: 0.25, t2i5: 0.75 });
  expect(e.swapAtt).toBeNaN();
  expect(summarizeProbes({ ...r, winoground: { text: 0, image: 0, group: 0, n: 0 } }, 'r', 1).winoGroup).toBeNaN();
});
