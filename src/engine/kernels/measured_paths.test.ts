// The per-adapter choice cache both kernel probes use (matmul direct|tiled, norm rows|workgroup):
// choices are shared by every context on one adapter and by no other adapter; a launch with
// no choice notes its shape once, as the bucket's probe shape, until a choice is recorded.
import { describe, expect, test } from 'vitest';
import type { GpuContext } from '../gpu/context.ts';
import { adapterKey, bucket, fasterOf, MeasuredPaths } from './measured_paths.ts';

const ctxOn = (device: string) =>
  ({ caps: { adapter: { vendor: 'v', architecture: 'a', device, description: 'd' } } }) as unknown as GpuContext;

interface S { n: number; w: number }
const make = (max = 8) => new MeasuredPaths<S, 'p' | 'q'>((s) => `≤${bucket(s.n)}×${s.w}`, (s) => ({ ...s, n: bucket(s.n) }), max);

describe('MeasuredPaths', () => {
  test('a choice serves every context on the adapter and no other adapter', () => {
    const c = make();
    const [a1, a2, b] = [ctxOn('x'), ctxOn('x'), ctxOn('y')];
    expect(adapterKey(a1)).toBe(adapterKey(a2));
    expect(c.get(a1, { n: 5, w: 3 })).toBeUndefined();
    c.record(a1, { n: 7, w: 3 }, 'q'); // same bucket as 5
    expect(c.get(a2, { n: 6, w: 3 })).toBe('q');
    expect(c.get(a2, { n: 9, w: 3 })).toBeUndefined(); // next bucket
    expect(c.get(b, { n: 5, w: 3 })).toBeUndefined();
    expect([...c.all(a2)]).toEqual([['≤8×3', 'q']]);
    c.clear();
    expect(c.get(a1, { n: 5, w: 3 })).toBeUndefined();
  });

  test('unprobed shapes: noted once per key as the probe shape, dropped when recorded, capped', () => {
    const c = make(2);
    const ctx = ctxOn('x');
    c.get(ctx, { n: 5, w: 3 });
    c.get(ctx, { n: 6, w: 3 });
    c.get(ctx, { n: 3, w: 3 });
    c.get(ctx, { n: 1, w: 4 }); // over the cap: not noted
    expect(c.unprobedShapes(ctx)).toEqual([{ n: 8, w: 3 }, { n: 4, w: 3 }]);
    c.record(ctx, { n: 8, w: 3 }, 'p');
    expect(c.unprobedShapes(ctx)).toEqual([{ n: 4, w: 3 }]);
    expect(c.unprobedShapes(ctxOn('y'))).toEqual([]);
  });

  test('fasterOf: the faster path; within 2 % the fallback', () => {
    expect(fasterOf('p', 1, 'q', 2, 'q')).toBe('p');
    expect(fasterOf('p', 3, 'q', 2, 'p')).toBe('q');
    expect(fasterOf('p', 1.01, 'q', 1, 'p')).toBe('p');
    expect([bucket(0), bucket(1), bucket(2), bucket(3), bucket(65)]).toEqual([0, 1, 2, 4, 128]);
  });
});
