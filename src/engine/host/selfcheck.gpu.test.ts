// The Model screen's kernel self-check: every kernel family has a row (named by the family),
// and every row passes against its CPU reference on this device.
import { expect, test } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { runSelfCheck, SELF_CHECK_FAMILIES } from './selfcheck.ts';

const gpu = useGpu();

test('every kernel family has a row and passes against its CPU reference', async () => {
  const ctx = gpu();
  const t0 = performance.now();
  const { checks } = await runSelfCheck(ctx);
  console.log(`self-check: ${checks.length} rows in ${(performance.now() - t0).toFixed(0)} ms`);
  for (const c of checks) console.log(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name}  ${c.maxAbsErr.toExponential(1)}`);
  for (const f of SELF_CHECK_FAMILIES) expect(checks.some((c) => c.name.startsWith(f)), `a row for ${f}`).toBe(true);
  expect(checks.filter((c) => !c.ok)).toEqual([]);
  expect(checks.every((c) => Number.isFinite(c.maxAbsErr) && c.maxAbsErr < 1e-3)).toBe(true);
});
