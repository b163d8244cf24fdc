// Hand-checkable points of the warmup + cosine schedule (transformers' formula, see schedule.ts).
import { describe, expect, test } from 'vitest';
import { lrAt, lrFactor, ScheduleConfigError, type ScheduleConfig } from './schedule.ts';

const CFG: ScheduleConfig = { lr: 1e-3, warmupSteps: 10, totalSteps: 110 };

describe('lrAt: linear warmup then cosine (get_cosine_schedule_with_warmup)', () => {
  test('warmup is linear from 0 and reaches the peak at step W', () => {
    expect(lrAt(0, CFG)).toBe(0); // first update has lr 0, as in transformers
    expect(lrAt(1, CFG)).toBeCloseTo(1e-4, 15);
    expect(lrAt(5, CFG)).toBeCloseTo(5e-4, 15);
    expect(lrAt(10, CFG)).toBeCloseTo(1e-3, 15);
  });

  test('cosine half-wave: quarter, half, end', () => {
    // progress 0.25 → 0.5·(1 + cos(π/4)) = 0.5 + √2/4
    expect(lrFactor(35, CFG)).toBeCloseTo(0.5 + Math.SQRT2 / 4, 14);
    expect(lrFactor(60, CFG)).toBeCloseTo(0.5, 14); // progress 0.5 → cos(π/2) = 0
    expect(lrFactor(110, CFG)).toBeCloseTo(0, 14);
  });

  test('monotone non-increasing after warmup', () => {
    let prev = Infinity;
    for (let s = 10; s <= 110; s++) {
      const f = lrFactor(s, CFG);
      expect(f).toBeLessThanOrEqual(prev);
      prev = f;
    }
  });

  test('floor: minLrRatio rescales the cosine into [ratio, 1]', () => {
    const c = { ...CFG, minLrRatio: 0.1 };
    expect(lrFactor(10, c)).toBeCloseTo(1, 14);
    expect(lrFactor(60, c)).toBeCloseTo(0.55, 14); // 0.5·0.9 + 0.1
    expect(lrAt(110, c)).toBeCloseTo(1e-4, 15);
    // past T we clamp (transformers would climb back up the cosine)
    expect(lrAt(500, c)).toBeCloseTo(1e-4, 15);
    expect(lrAt(500, CFG)).toBeCloseTo(0, 15);
  });

  test('no warmup starts at the peak; numCycles = 1 is a full wave', () => {
    expect(lrFactor(0, { ...CFG, warmupSteps: 0 })).toBe(1);
    const full = { ...CFG, numCycles: 1 };
    expect(lrFactor(60, full)).toBeCloseTo(0, 14);
    expect(lrFactor(110, full)).toBeCloseTo(1, 14);
  });

  test('bad configs and steps are typed errors naming the field', () => {
    expect(() => lrAt(0, { ...CFG, warmupSteps: 200 })).toThrow(/warmupSteps \(200\) must not exceed totalSteps \(110\)/);
    expect(() => lrAt(0, { ...CFG, minLrRatio: 2 })).toThrow(ScheduleConfigError);
    expect(() => lrAt(-1, CFG)).toThrow(/step\) must be an integer ≥ 0, got -1/);
    expect(() => lrAt(1.5, CFG)).toThrow(ScheduleConfigError);
    expect(() => lrAt(0, { ...CFG, lr: NaN })).toThrow(/ScheduleConfig.lr/);
  });
});
