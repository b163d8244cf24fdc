// The demo's step sizing and its before/after summary.
import { describe, expect, test } from 'vitest';
import type { EvalReport } from '../../shared/eval.ts';
import { demoRows, demoSentence, demoSteps } from './plan.ts';

const report = (t2i5: number, swapObj: number, group: number): EvalReport => ({
  retrieval: { textToImage: { 1: t2i5 / 2, 5: t2i5, 10: 1 }, imageToText: { 1: 0, 5: t2i5, 10: 1 }, images: 16, texts: 16 },
  sugarcrepe: { perCategory: { 'swap-obj': { correct: 1, total: 2, accuracy: swapObj } }, macro: swapObj },
  winoground: { text: 0, image: 0, group, n: 4 },
});

describe('demoSteps', () => {
  test('fills two minutes at the measured speed, within 8…60 steps', () => {
    expect(demoSteps(6)).toBe(20);
    expect(demoSteps(0.5)).toBe(60);
    expect(demoSteps(30)).toBe(8);
    expect(demoSteps(Number.NaN)).toBe(8);
    expect(demoSteps(2, 60)).toBe(30);
  });
});

describe('demoRows / demoSentence', () => {
  test('deltas in points; missing categories are NaN; the sentence names R@5 and the biggest other change', () => {
    const rows = demoRows(report(0.25, 0.5, 0), report(0.75, 0.5, 0.5));
    const r5 = rows.find((r) => r.key === 't2i5')!;
    expect(r5).toMatchObject({ base: 0.25, tuned: 0.75 });
    expect(r5.delta).toBeCloseTo(50);
    expect(rows.find((r) => r.key === 'swap-att')!.base).toBeNaN();
    const s = demoSentence(rows, { steps: 20, seconds: 118.4, scenes: 48, heldOut: 16 });
    expect(s).toBe('After 20 steps (118 s) of VladVA fine-tuning on 48 synthetic scenes, text → image R@5 on 16 held-out scenes rose from 25 % to 75 % (+50 points); ' +
      'the largest other change: image → text R@5 25 % → 75 % (+50 points).');
    expect(demoSentence(demoRows(report(0.5, 0.5, 0), report(0.25, 0.5, 0)), { steps: 8, seconds: 60, scenes: 8, heldOut: 16 })).toContain('fell from 50 % to 25 % (-25 points)');
  });
});
