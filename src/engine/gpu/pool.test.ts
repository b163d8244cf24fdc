// The buffer pool's bucketing against the device's maxBufferSize: a tensor whose bucket
// would round above the limit gets its exact size (a 2.1 GB buffer under a 2^31 − 1 limit must
// not be rounded up to 2.15 GB). A fake device records the sizes asked for.
import { expect, test } from 'vitest';
import { BufferPool, bucketBytes } from './pool.ts';

test('buckets never round above maxBuffer', () => {
  (globalThis as Record<string, unknown>).GPUBufferUsage ??= { STORAGE: 128, COPY_SRC: 4, COPY_DST: 8 };
  const sizes: number[] = [];
  const device = { createBuffer: (d: { size: number }) => (sizes.push(d.size), { size: d.size, label: '' }) } as unknown as GPUDevice;
  const pool = new BufferPool(device);
  const bytes = 2_100_000_004;
  expect(bucketBytes(bytes)).toBeGreaterThan(2 ** 31 - 1);
  pool.acquire(bytes, 'big', 2 ** 31 - 1);
  pool.acquire(1000, 'small', 2 ** 31 - 1);
  expect(sizes).toEqual([bytes, bucketBytes(1000)]);
  expect(pool.liveBytes).toBe(bytes + bucketBytes(1000));
});
