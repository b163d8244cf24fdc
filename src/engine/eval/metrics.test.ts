import { describe, expect, test } from 'vitest';
import { Rng } from '../data/synthetic/prng.ts';
import { sugarCrepeAccuracy, winogroundScores, zeroShotAccuracy, type WinoSims } from './probes.ts';
import { retrievalRecall } from './retrieval.ts';
import { similarity, topK } from './topk.ts';

describe('topK (CPU reference)', () => {
  test('hand case: ties by lower index, NaN last, padding', () => {
    const r = topK(new Float32Array([1, 3, 3, 2, NaN]), 1, 5, 3);
    expect([...r.indices]).toEqual([1, 2, 3]);
    expect([...r.scores]).toEqual([3, 3, 2]);
    const p = topK(new Float32Array([5, 4]), 1, 2, 4);
    expect([...p.indices]).toEqual([0, 1, -1, -1]);
    expect([...p.scores]).toEqual([5, 4, -Infinity, -Infinity]);
  });
  test('matches a full sort on random rows with many ties', () => {
    const rng = new Rng(3);
    const rows = 7;
    const cols = 301;
    const sim = Float32Array.from({ length: rows * cols }, () => rng.int(20) - 10);
    const r = topK(sim, rows, cols, 10);
    for (let q = 0; q < rows; q++) {
      const order = [...Array(cols).keys()].sort((a, b) => sim[q * cols + b] - sim[q * cols + a] || a - b);
      expect([...r.indices.subarray(q * 10, q * 10 + 10)]).toEqual(order.slice(0, 10));
    }
  });
  test('similarity = Q×D · (N×D)ᵀ', () => {
    expect([...similarity(new Float32Array([1, 2, 0, 1]), new Float32Array([3, 4, 5, 6, 1, 1]), 2, 3, 2)]).toEqual([11, 17, 3, 4, 6, 1]);
  });
});

describe('retrieval recall', () => {
  // 5 captions × 3 images; captions 0,1 → image 0; 2,3 → image 1; 4 → image 2.
  // prettier-ignore
  const sim = new Float32Array([
    0.9, 0.1, 0.2,
    0.3, 0.5, 0.1,
    0.2, 0.4, 0.4,
    0.6, 0.5, 0.7,
    0.1, 0.2, 0.3,
  ]);
  const r = retrievalRecall(sim, 5, 3, [0, 0, 1, 1, 2], [1, 2, 3]);
  test('text→image ranks by hand (tie 0.4/0.4 goes to the lower image index)', () => {
    expect([...r.textRanks]).toEqual([0, 1, 0, 2, 0]);
    expect(r.textToImage).toEqual({ 1: 0.6, 2: 0.8, 3: 1 });
  });
  test('image→text takes the best of several captions', () => {
    // image 1: caption 3 has 0.5, beaten only by caption 1 (0.5, lower index) → rank 1.
    expect([...r.imageRanks]).toEqual([0, 1, 2]);
    expect(r.imageToText[1]).toBeCloseTo(1 / 3);
    expect(r.imageToText[2]).toBeCloseTo(2 / 3);
    expect(r.imageToText[3]).toBe(1);
  });
  test('images without captions are skipped and counted; constant scores are not free hits', () => {
    const c = retrievalRecall(new Float32Array(2 * 4).fill(0.5), 2, 4, [2, 3], [1]);
    expect(c.imagesWithoutCaptions).toBe(2);
    expect([...c.textRanks]).toEqual([2, 3]);
    expect(c.textToImage[1]).toBe(0);
    expect(c.imageToText[1]).toBe(0.5); // image 2's only caption (t0) is first for it
    expect(() => retrievalRecall(new Float32Array(3), 2, 2, [0, 1])).toThrow(/expected 2×2/);
    expect(() => retrievalRecall(new Float32Array(4), 2, 2, [0, 5])).toThrow(/textToImage\[1\] = 5/);
  });
});

describe('probes', () => {
  test('SugarCrepe per-category accuracy; a tie is wrong', () => {
    const r = sugarCrepeAccuracy([
      { category: 'swap-obj', positive: 0.5, negative: 0.4 },
      { category: 'swap-obj', positive: 0.5, negative: 0.5 },
      { category: 'add-att', positive: 0.1, negative: 0.2 },
      { category: 'add-att', positive: 0.3, negative: 0.2 },
      { category: 'add-att', positive: 0.9, negative: -1 },
    ]);
    expect(r.perCategory['swap-obj']).toEqual({ correct: 1, total: 2, accuracy: 0.5 });
    expect(r.perCategory['add-att']).toEqual({ correct: 2, total: 3, accuracy: 2 / 3 });
    expect(r.perCategory['replace-rel']).toBeUndefined();
    expect(r.macro).toBeCloseTo((0.5 + 2 / 3) / 2);
  });
  test('Winoground text / image / group by hand', () => {
    const items: WinoSims[] = [
      [[0.9, 0.1], [0.2, 0.8]], // all correct
      [[0.5, 0.6], [0.4, 0.7]], // text: 0.5>0.4 && 0.7>0.6 ✓; image: 0.5>0.6 ✗
      [[0.5, 0.4], [0.6, 0.7]], // text: 0.5>0.6 ✗; image: 0.5>0.4 && 0.7>0.6 ✓
      [[0.1, 0.9], [0.8, 0.2]], // all wrong
    ];
    expect(winogroundScores(items)).toEqual({ text: 0.5, image: 0.5, group: 0.25, n: 4 });
  });
  test('zero-shot with prompt ensembling', () => {
    // Class 0 prompts point along +x (two prompts, different norms), class 1 along +y.
    const prompts = new Float32Array([2, 0, 1, 0.2, 0, 3]);
    const images = new Float32Array([1, 0.1, 0.2, 1, 0.9, 1, -1, -1]);
    const r = zeroShotAccuracy(images, prompts, [0, 0, 1], [0, 1, 0, 1], 2, 2);
    // class 0 = normalise((1,0) + (1,0.2)/|(1,0.2)|) = (0.9951, 0.0985); class 1 = (0, 1).
    // image 2 (0.9,1): 0.994 vs 1 → class 1 (wrong); image 3 (-1,-1): -1.094 vs -1 → class 1.
    expect([...r.predictions]).toEqual([0, 1, 1, 1]);
    expect(r.accuracy).toBe(0.75);
    expect([...r.perClass]).toEqual([0.5, 1]);
  });
});
