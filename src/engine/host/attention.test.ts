// summaryAttention (CPU part of attention-map) against a hand-written float64 softmax.
import { describe, expect, test } from 'vitest';
import { AttentionMapError, summaryAttention } from './attention.ts';

function rand(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1);
}

describe('summaryAttention', () => {
  const d = { heads: 4, kvHeads: 2, headDim: 3 };
  const T = 7;
  const q = rand(T * d.heads * d.headDim, 1);
  const k = rand(T * d.kvHeads * d.headDim, 2);
  const imagePos = [1, 2, 3, 4];
  const s = 6;

  test('matches the definition: causal softmax row, GQA head groups, restricted and renormalised, head mean', () => {
    const want = new Float64Array(imagePos.length);
    const mass: number[] = [];
    for (let h = 0; h < d.heads; h++) {
      const g = Math.floor(h / 2);
      const sc = Array.from({ length: s + 1 }, (_, t) => {
        let v = 0;
        for (let e = 0; e < 3; e++) v += q[s * 12 + h * 3 + e] * k[t * 6 + g * 3 + e];
        return Math.exp(v / Math.sqrt(3));
      });
      const z = sc.reduce((a, b) => a + b, 0);
      const img = imagePos.reduce((a, t) => a + sc[t], 0);
      mass.push(img / z);
      imagePos.forEach((t, j) => (want[j] += sc[t] / img / d.heads));
    }
    const r = summaryAttention(q, k, d, s, imagePos);
    r.weights.forEach((w, j) => expect(w).toBeCloseTo(want[j], 6));
    r.imageMass.forEach((m, h) => expect(m).toBeCloseTo(mass[h], 6));
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
  });

  test('equal keys give uniform weights', () => {
    const kk = new Float32Array(k.length).fill(0.5);
    const r = summaryAttention(q, kk, d, s, imagePos);
    for (const w of r.weights) expect(w).toBeCloseTo(0.25, 6);
    for (const m of r.imageMass) expect(m).toBeCloseTo(4 / 7, 6);
  });

  test('refuses image rows the summary cannot see, and mismatched q/k', () => {
    expect(() => summaryAttention(q, k, d, 2, imagePos)).toThrow(AttentionMapError);
    expect(() => summaryAttention(q, k.subarray(6), d, s, imagePos)).toThrow(/k has/);
  });
});
