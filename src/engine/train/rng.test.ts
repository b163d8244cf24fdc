// xoshiro128** against reference vectors (state [1,2,3,4]: the rand_xoshiro test vector, also
// re-derived with Python integers), save/restore determinism, and the derived draws.
import { describe, expect, test } from 'vitest';
import { permutation, Rng, RngStateError, shuffle } from './rng.ts';

describe('Rng (xoshiro128**)', () => {
  test('reference outputs from state [1, 2, 3, 4]', () => {
    const r = Rng.fromState({ algo: 'xoshiro128**', s: [1, 2, 3, 4] });
    expect(Array.from({ length: 6 }, () => r.u32())).toEqual([11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
  });

  test('splitmix32 seeding (seed 42) and the first draws, cross-checked with Python integers', () => {
    const r = Rng.fromSeed(42);
    expect(r.state().s).toEqual([939911724, 3948730756, 321366731, 3317318717]);
    expect([r.u32(), r.u32(), r.u32(), r.u32()]).toEqual([2837322924, 544945897, 479756282, 3500138142]);
  });

  test('state() / fromState() resume bit-identically, mid-stream, through every draw kind', () => {
    const a = Rng.fromSeed(7, 3);
    for (let i = 0; i < 37; i++) a.normal();
    const saved = JSON.parse(JSON.stringify(a.state())); // as a checkpoint would store it
    const b = Rng.fromState(saved);
    const draw = (r: Rng) => [r.u32(), r.float(), r.int(1000), r.normal(), r.uniform(-2, 2), ...permutation(20, r)];
    expect(draw(b)).toEqual(draw(a));
    expect(b.state()).toEqual(a.state());
  });

  test('streams of one seed differ; state() is a copy', () => {
    const s0 = Rng.fromSeed(1, 0), s1 = Rng.fromSeed(1, 1);
    expect(s0.u32()).not.toBe(s1.u32());
    const st = s0.state();
    s0.u32();
    expect(s0.state()).not.toEqual(st);
  });

  test('float in [0,1); int(n) uniform and in range; normal has mean 0, variance 1', () => {
    const r = Rng.fromSeed(123);
    const counts = new Array(6).fill(0);
    let sum = 0, sq = 0, lo = 1, hi = 0;
    const N = 60000;
    for (let i = 0; i < N; i++) {
      const f = r.float();
      lo = Math.min(lo, f);
      hi = Math.max(hi, f);
      counts[r.int(6)]++;
      const z = r.normal();
      sum += z;
      sq += z * z;
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    for (const c of counts) expect(Math.abs(c - N / 6)).toBeLessThan(5 * Math.sqrt(N / 6)); // ±5σ
    expect(Math.abs(sum / N)).toBeLessThan(0.02);
    expect(Math.abs(sq / N - 1)).toBeLessThan(0.03);
    expect(() => r.int(0)).toThrow(/n must be an integer in \[1, 2\^32\], got 0/);
  });

  test('shuffle is an in-place permutation; permutation(n) holds every index once', () => {
    const r = Rng.fromSeed(9);
    const p = permutation(1000, r);
    expect([...p].sort((x, y) => x - y)).toEqual([...Array(1000).keys()]);
    expect([...p.subarray(0, 10)]).not.toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const arr = [10, 20, 30, 40, 50];
    expect(shuffle(arr, r)).toBe(arr);
    expect([...arr].sort((x, y) => x - y)).toEqual([10, 20, 30, 40, 50]);
  });

  test('bad states are typed errors', () => {
    expect(() => Rng.fromState({ algo: 'xoshiro128**', s: [0, 0, 0, 0] })).toThrow(RngStateError);
    expect(() => Rng.fromState({ algo: 'mulberry32', s: [1, 2, 3, 4] } as never)).toThrow(/algo must be "xoshiro128\*\*"/);
    expect(() => Rng.fromState({ algo: 'xoshiro128**', s: [1, 2, 3, 2 ** 32] })).toThrow(/four u32 integers/);
  });
});
