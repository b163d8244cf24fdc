import { describe, expect, test } from 'vitest';
import { summarizeGenerative, type GenerativeProbeRun } from './generative-score.ts';

const s = (logProb: number, tokens: number) => ({ logProb, tokens });

describe('summarizeGenerative', () => {
  test('per category: the true caption must score strictly higher; sum and per-token rules differ on length', () => {
    const run: GenerativeProbeRun = {
      scenes: [
        // swap-obj right under both rules; add-obj: the longer negative loses on sum, wins per token
        { id: 'a', pos: s(-6, 3), neg: { 'swap-obj': s(-9, 3), 'add-obj': s(-8, 5) } },
        // swap-obj tie → wrong; add-obj right under both
        { id: 'b', pos: s(-6, 3), neg: { 'swap-obj': s(-6, 3), 'add-obj': s(-20, 5) } },
      ],
      pairs: [],
    };
    const g = summarizeGenerative(run);
    expect(g.items).toEqual({ 'swap-obj': 2, 'add-obj': 2 });
    expect(g.categories.sum).toEqual({ 'swap-obj': 0.5, 'add-obj': 1 });
    expect(g.categories.mean).toEqual({ 'swap-obj': 0.5, 'add-obj': 0.5 }); // -8/5 = -1.6 > -6/3 = -2
    expect(g.scenes).toBe(2);
  });

  test('winoground: scores[image][caption] read as text (caption per image), image (image per caption), group', () => {
    const pair = (m: number[][]) => ({ id: 'p', kind: 'swap', scores: m.map((r) => r.map((x) => s(x, 1))) });
    const g = summarizeGenerative({
      scenes: [],
      pairs: [
        pair([[-1, -2], [-2, -1]]), // each image prefers its caption, each caption its image: all three
        pair([[-1, -2], [-1.5, -1.2]]), // image 1 prefers caption 1 (text ok); caption 0: image 0 > image 1 ✓, caption 1: image 1 (-1.2) > image 0 (-2) ✓
        pair([[-1, -2], [-0.5, -3]]), // image 1 prefers caption 0: text fails; caption 0 prefers image 1: image fails
      ],
    });
    expect(g.winoground.sum).toEqual({ text: 2 / 3, image: 2 / 3, group: 2 / 3 });
    expect(g.pairs).toBe(3);
  });
});
