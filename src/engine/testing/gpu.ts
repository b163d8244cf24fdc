// GPU test fixture: one context per test file, created in beforeAll. The test FAILS (never
// skips) when no adapter exists: GpuContext.create() throws WebGpuUnavailableError.
//
//   const gpu = useGpu();
//   test('…', async () => { const ctx = gpu(); … });
import { afterAll, beforeAll } from 'vitest';
import { GpuContext } from '../gpu/context.ts';

export function useGpu(): () => GpuContext {
  let ctx: GpuContext | null = null;
  beforeAll(async () => {
    ctx = await GpuContext.create();
  });
  afterAll(() => {
    ctx?.destroy();
    ctx = null;
  });
  return () => {
    if (!ctx) throw new Error('GPU context not created (beforeAll failed?)');
    return ctx;
  };
}
