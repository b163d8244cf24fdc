// Rung (ii): embedding gather / scatter-add (plain and with overrides) on the GPU vs the CPU
// reference: duplicate ids, id V−1, H = 1, rows = 1, accumulation into non-zero grads, frozen
// table (dTable null), CPU-id validation, NaN for bad GPU ids, determinism, > 65535 targets.
import { describe, expect, test } from 'vitest';
import type { GpuContext } from '../../gpu/context.ts';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randInt, randn } from '../../testing/random.ts';
import {
  buildEmbeddingPlan, embeddingBackward, embeddingForward, embeddingOverrideBackward, embeddingOverrideForward, releaseEmbeddingPlan,
} from './embedding.ts';
import { embeddingBackwardRef, embeddingForwardRef, embeddingOverrideBackwardRef, embeddingOverrideForwardRef } from './embedding.ref.ts';
import { EmbeddingIndexError } from './plan.ts';

const ids2 = (rows: number, V: number, seed: number) => {
  const ids = Uint32Array.from(randInt(rows, seed, Math.max(1, Math.floor(V / 3)))); // few distinct: many duplicates
  ids[0] = V - 1;
  return ids;
};
const tbl = (ctx: GpuContext, a: Float32Array, r: number, H: number, label: string) => ctx.upload(a, [r, H], label);

describe('embedding GPU vs CPU', () => {
  const gpu = useGpu();
  for (const [rows, V, H, gpuIds] of [[1, 1, 1, true], [33, 50, 65, true], [130, 300, 7, false], [7, 20, 576, false]] as const) {
    test(`gather + scatter rows=${rows} V=${V} H=${H} ${gpuIds ? 'GPU' : 'CPU'} ids`, async () => {
      const ctx = gpu();
      const ids = ids2(rows, V, 5);
      const table = randn(V * H, 6), dout = randn(rows * H, 7), d0 = randn(V * H, 8);
      const outRef = new Float32Array(rows * H);
      embeddingForwardRef(outRef, ids, table, H);
      const dRef = Float64Array.from(d0);
      embeddingBackwardRef(dRef, dout, ids, H);
      const T = tbl(ctx, table, V, H, 'embed_tokens'), OUT = ctx.empty([rows, H], 'out');
      const I = ctx.upload(ids, [rows], 'ids');
      embeddingForward(ctx, OUT, gpuIds ? I : ids, T);
      const D = ctx.upload(dout, [rows, H], 'dout'), DT = tbl(ctx, d0, V, H, 'dTable');
      embeddingBackward(ctx, DT, D, ids);
      expect([...(await ctx.read(OUT))]).toEqual([...outRef]); // a gather is exact
      expectClose(await ctx.read(DT), dRef, 'dTable');
      ctx.release(T, OUT, I, D, DT);
    });
  }

  test('override forward/backward: image features and repeated soft prompts; frozen table', async () => {
    const ctx = gpu();
    const V = 40, H = 33, S = 9, rows = 2 * 15;
    // two sequences: [3 soft-prompt rows][4 image rows][8 text rows]; soft prompts 0..2 repeat
    const ids = Uint32Array.from(randInt(rows, 9, V));
    ids[rows - 1] = V - 1;
    const si = new Int32Array(rows).fill(-1);
    for (let b = 0; b < 2; b++) {
      for (let k = 0; k < 3; k++) si[b * 15 + k] = k;
      for (let k = 0; k < 4; k++) { si[b * 15 + 3 + k] = 3 + (b * 4 + k) % 6; ids[b * 15 + 3 + k] = 7; }
    }
    const table = randn(V * H, 10), src = randn(S * H, 11), dout = randn(rows * H, 12);
    const dT0 = randn(V * H, 13), dS0 = randn(S * H, 14);
    const outRef = new Float32Array(rows * H);
    embeddingOverrideForwardRef(outRef, ids, table, src, si, H);
    const dTRef = Float64Array.from(dT0), dSRef = Float64Array.from(dS0);
    embeddingOverrideBackwardRef({ dTable: dTRef, dSrc: dSRef }, dout, ids, si, H);

    const T = tbl(ctx, table, V, H, 'table'), SRC = tbl(ctx, src, S, H, 'src'), OUT = ctx.empty([rows, H], 'out');
    const I = ctx.upload(ids, [rows], 'ids'), SI = ctx.upload(si, [rows], 'srcIndex');
    embeddingOverrideForward(ctx, OUT, I, T, SRC, SI);
    expect([...(await ctx.read(OUT))]).toEqual([...outRef]);
    embeddingOverrideForward(ctx, OUT, ids, T, SRC, si); // CPU indices path
    expect([...(await ctx.read(OUT))]).toEqual([...outRef]);

    const plan = buildEmbeddingPlan(ctx, ids, { vocab: V, srcIndex: si, srcRows: S });
    const D = ctx.upload(dout, [rows, H], 'dout');
    const DT = tbl(ctx, dT0, V, H, 'dTable'), DS = tbl(ctx, dS0, S, H, 'dSrc');
    embeddingOverrideBackward(ctx, { dTable: DT, dSrc: DS }, D, I, SI, plan);
    expectClose(await ctx.read(DT), dTRef, 'dTable');
    expectClose(await ctx.read(DS), dSRef, 'dSrc');
    // frozen table: only dSrc, temporary plan from CPU indices
    const DS2 = tbl(ctx, dS0, S, H, 'dSrc2');
    embeddingOverrideBackward(ctx, { dTable: null, dSrc: DS2 }, D, ids, si);
    expectClose(await ctx.read(DS2), dSRef, 'dSrc (frozen table)');
    releaseEmbeddingPlan(ctx, plan);
    ctx.release(T, SRC, OUT, I, SI, D, DT, DS, DS2);
  });

  test('out-of-range ids: CPU ids throw naming the id; GPU ids give a NaN row', async () => {
    const ctx = gpu();
    const T = ctx.upload(randn(10 * 4, 1), [10, 4], 'embed_tokens'), OUT = ctx.empty([3, 4], 'out');
    const bad = Uint32Array.from([0, 9, 10]);
    expect(() => embeddingForward(ctx, OUT, bad, T)).toThrow(EmbeddingIndexError);
    expect(() => embeddingForward(ctx, OUT, bad, T)).toThrow(/embeddingForward: token id 10 at row 2 is outside the embedding table \(vocab 10\)/);
    expect(() => embeddingBackward(ctx, ctx.empty([10, 4], 'dT'), ctx.empty([3, 4], 'dout'), bad)).toThrow(/token id 10 at row 2/);
    const I = ctx.upload(bad, [3], 'ids');
    embeddingForward(ctx, OUT, I, T);
    const out = await ctx.read(OUT);
    expect(out.slice(8).every(Number.isNaN)).toBe(true);
    expect(out.slice(0, 8).some(Number.isNaN)).toBe(false);
    ctx.release(T, OUT, I);
  });

  test('duplicates are summed deterministically; > 65535 distinct ids use the 2-D grid', async () => {
    const ctx = gpu();
    const rows = 70000, V = 70001, H = 1;
    const ids = Uint32Array.from({ length: rows }, (_, r) => (r % 10 === 0 ? 3 : V - 1 - r)); // 63001 + 1 distinct
    ids[1] = V - 1;
    const dout = randn(rows, 2);
    const ref = new Float64Array(V);
    embeddingBackwardRef(ref, dout, ids, H);
    const D = ctx.upload(dout, [rows, 1], 'dout');
    const plan = buildEmbeddingPlan(ctx, ids, { vocab: V });
    expect(plan.table!.count).toBeGreaterThan(60000);
    const wide = Uint32Array.from({ length: rows }, (_, r) => r); // 70000 distinct → grid y = 2
    const planWide = buildEmbeddingPlan(ctx, wide, { vocab: V });
    const runs: Float32Array[] = [];
    for (let k = 0; k < 2; k++) {
      const DT = ctx.zeros([V, 1], 'dTable');
      embeddingBackward(ctx, DT, D, plan);
      runs.push(await ctx.read(DT));
      ctx.release(DT);
    }
    expectClose(runs[0], ref, 'dTable');
    expect([...runs[0]]).toEqual([...runs[1]]);
    const DW = ctx.zeros([V, 1], 'dTableWide');
    embeddingBackward(ctx, DW, D, planWide);
    const w = await ctx.read(DW);
    expectClose(w.slice(0, rows), dout, 'identity scatter');
    expect(w[rows]).toBe(0);
    releaseEmbeddingPlan(ctx, plan);
    releaseEmbeddingPlan(ctx, planWide);
    ctx.release(D, DW);
  });
});
