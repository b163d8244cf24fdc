import { describe, expect, test } from 'vitest';
import { canonical } from './scene.ts';
import { SYNTHETIC_BENCHMARK, syntheticBenchmark } from './benchmark.ts';

describe('synthetic benchmark', () => {
  test('splits have the frozen sizes and share no scene', () => {
    const d = syntheticBenchmark();
    expect(d.train.length).toBe(SYNTHETIC_BENCHMARK.train);
    expect(d.test.length).toBe(SYNTHETIC_BENCHMARK.test);
    expect(d.winoground.length).toBe(SYNTHETIC_BENCHMARK.winoground);
    const train = new Set(d.train.map((s) => canonical(s.scene)));
    const held = [...d.val, ...d.test, ...d.winoground.flatMap((w) => w.scenes)].map((s) => canonical(s.scene));
    expect(held.filter((c) => train.has(c))).toEqual([]);
    expect(syntheticBenchmark()).toBe(d); // memoised
  });
});
