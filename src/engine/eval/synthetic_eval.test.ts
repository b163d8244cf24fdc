// The shared synthetic evaluation plan: rows line up, and an oracle embedding scores perfectly.
import { describe, expect, test } from 'vitest';
import { planSyntheticEval } from './synthetic_eval.ts';

describe('planSyntheticEval', () => {
  const plan = planSyntheticEval(8, 3);

  test('indexes: test pairs first, probe and Winoground rows inside the tables, files present', () => {
    expect(plan.n).toBe(8);
    expect(plan.images.length).toBe(8 + 2 * plan.wino.length);
    for (const p of plan.probes) {
      expect(p.pos).toBe(p.image);
      expect(plan.texts[p.neg]).not.toBe(plan.texts[p.pos]);
    }
    for (const w of plan.wino) for (const i of w.imgs) expect(plan.files.has(plan.images[i])).toBe(true);
    expect(plan.wino.length).toBe(2);
  });

  test('an oracle (one axis per true pairing) gets every probe and recall right', () => {
    // Image i → axis i; its caption → axis i; hard negatives and the other Winoground caption
    // → an unrelated axis. Winoground caption c → axis of image c.
    const d = plan.images.length + 1;
    const T = new Float32Array(plan.texts.length * d);
    const I = new Float32Array(plan.images.length * d);
    plan.images.forEach((_, i) => (I[i * d + i] = 1));
    for (let t = 0; t < plan.texts.length; t++) T[t * d + d - 1] = 1;
    for (let t = 0; t < plan.n; t++) [T[t * d + d - 1], T[t * d + t]] = [0, 1];
    for (const w of plan.wino) w.caps.forEach((c, k) => ([T[c * d + d - 1], T[c * d + w.imgs[k]]] = [0, 1]));
    const r = plan.score(T, I, d);
    expect(r.retrieval.textToImage[1]).toBe(1);
    expect(r.sugarcrepe.macro).toBe(1);
    expect(r.winoground).toEqual({ text: 1, image: 1, group: 1, n: 2 });
  });
});
