// LossWatch rules on hand-made loss series (see watch.ts).
import { describe, expect, test } from 'vitest';
import { LossWatch, type LossWarning } from './watch.ts';

const run = (losses: number[], w = new LossWatch()) =>
  losses.flatMap((l, i) => {
    const r = w.observe(i + 1, l);
    return r ? [r] : [];
  });
const kinds = (ws: LossWarning[]) => ws.map((w) => [w.kind, w.step]);

describe('loss-rise', () => {
  test('the lr 1e4 series of the session test (2.82, 6.72, 8.40) warns once, at step 3', () => {
    const ws = run([2.82, 6.72, 8.4]);
    expect(kinds(ws)).toEqual([['loss-rise', 3]]);
    expect(ws[0].message).toMatch(/^loss rose sharply: 8\.400 at step 3 is 3\.0× the median 2\.820 of the 1 calm step before step 2/);
  });
  test('one spike is not a rise; a falling or noisy loss never warns', () => {
    expect(run([3, 3.1, 9, 3.0, 2.9, 2.8])).toEqual([]);
    expect(run([5, 4, 4.4, 3.9, 4.2, 3.5, 3.8, 3.1])).toEqual([]);
  });
  test('the threshold is 1.5× the median of the calm steps (not the mean, not the last step)', () => {
    expect(run([2, 2.1, 1.9, 100, 2.9, 2.95])).toEqual([]); // 2.9 < 1.5 × 2 (the spike is not calm)
    expect(kinds(run([2, 2.1, 1.9, 3.1, 3.15]))).toEqual([['loss-rise', 5]]);
  });
  test('once per rise; a later rise after calming down warns again', () => {
    expect(kinds(run([2, 4, 5, 6, 7, 2.1, 1.9, 5, 5.1]))).toEqual([['loss-rise', 3], ['loss-rise', 9]]);
  });
  test('a steady climb cannot drag the baseline up (the rise stays out of the calm set)', () => {
    const climb = Array.from({ length: 30 }, (_, i) => 2 * 1.2 ** i);
    const ws = run(climb);
    expect(ws.length).toBe(1);
    expect(ws[0].message).toMatch(/the median 2\.\d+ of the \d calm steps/);
  });
  test('non-finite losses are ignored', () => {
    expect(run([2, NaN, Infinity, 2.2])).toEqual([]);
  });
});

describe('loss-stuck', () => {
  test('a bit-identical loss after an update warns once per run', () => {
    const ws = run([2.5, 2.5, 2.5, 2.4, 2.4]);
    expect(kinds(ws)).toEqual([['loss-stuck', 2]]);
    expect(ws[0].message).toMatch(/^loss is stuck: 2\.500 at step 2 is exactly the loss of step 1/);
  });
  test('close is not equal', () => {
    expect(run([2.5, 2.5 + 1e-7, 2.5])).toEqual([]);
  });
});

test('a resumed watch (history replayed) warns exactly as the uninterrupted run', () => {
  const series = [2, 2.1, 1.9, 3.5, 3.6, 3.7, 2, 2, 4, 4.1]; // a rise, a stuck step, a rise
  const whole = run(series);
  for (let cut = 1; cut < series.length; cut++) {
    const w = new LossWatch(series.slice(0, cut));
    const rest = series.slice(cut).flatMap((l, i) => {
      const r = w.observe(cut + i + 1, l);
      return r ? [r] : [];
    });
    expect(rest, `cut at ${cut}`).toEqual(whole.filter((x) => x.step > cut));
  }
});
