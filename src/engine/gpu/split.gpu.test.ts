// Tables split in row parts (a small split limit forced, so SwiftShader runs the chunks):
// the embedding gather and the chunked cross-entropy give the same results split and
// unsplit — bit-identical where the chunk boundaries coincide — f32 and packed bf16, with
// override rows, ids in the last partial part and an ignored label; other kernels refuse a
// split tensor by name; the part size for SmolVLM-500M's f32 table under 128 MiB.
import { describe, expect, test } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { expectClose } from '../testing/compare.ts';
import { randInt, randn } from '../testing/random.ts';
import { embeddingOverrideForward } from '../kernels/embedding/embedding.ts';
import { crossEntropyBackward, crossEntropyForward } from '../kernels/loss/cross_entropy.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef, IGNORE_INDEX } from '../kernels/loss/cross_entropy.ref.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { roundTrip, toHalves } from '../kernels/packed/packed.ts';
import { rowParts, rowsPerPart, uploadRows } from './split.ts';

describe('split tables (row parts)', () => {
  const gpu = useGpu();

  test('part sizes: multiples of 128 rows under the limit; SmolVLM-500M f32 table in 2 parts at 128 MiB', () => {
    expect(rowsPerPart([49280, 960], 'f32', 128 * 2 ** 20)).toBe(34944);
    expect(rowsPerPart([49280, 960], 'bf16', 128 * 2 ** 20)).toBeNull(); // 94.6 MB: fits whole
    expect(rowsPerPart([1000, 24], 'f32', 24 * 4 * 300)).toBe(256);
    expect(() => rowsPerPart([1000, 24], 'f32', 24 * 4 * 100, 'embed')).toThrow(/embed\[1000,24\]/);
  });

  for (const dtype of ['f32', 'bf16'] as const) {
    test(`${dtype}: embedding gather with overrides, split = unsplit bit for bit`, async () => {
      const ctx = gpu();
      const V = 1000, H = 24, rows = 40;
      const host = randn(V * H, 31);
      const data = dtype === 'f32' ? host : toHalves(host, 'bf16');
      const whole = uploadRows(ctx, data, [V, H], 'embed', dtype);
      const split = uploadRows(ctx, data, [V, H], 'embed', dtype, 256 * H * (dtype === 'f32' ? 4 : 2)); // 256 rows per part
      expect(whole.parts).toBeUndefined();
      expect(rowParts(split).map((p) => [p.row0, p.part.shape[0]])).toEqual([[0, 256], [256, 256], [512, 256], [768, 232]]);
      const ids = Uint32Array.from(randInt(rows, 32, V));
      ids[0] = V - 1; ids[1] = 0; ids[2] = 255; ids[3] = 256; ids[4] = 768;
      const srcIndex = Int32Array.from({ length: rows }, (_, r) => (r % 7 === 5 ? r % 3 : -1));
      const src = ctx.upload(randn(3 * H, 33), [3, H], 'src');
      const [a, b] = [ctx.empty([rows, H], 'outWhole'), ctx.empty([rows, H], 'outSplit')];
      embeddingOverrideForward(ctx, a, ids, whole, src, srcIndex);
      embeddingOverrideForward(ctx, b, ids, split, src, srcIndex);
      const [ga, gb] = [await ctx.read(a), await ctx.read(b)];
      expect([...gb]).toEqual([...ga]);
      const table = dtype === 'f32' ? host : roundTrip(host, 'bf16');
      expect([...ga.subarray(0, H)]).toEqual([...table.subarray((V - 1) * H, V * H)]);
      expect([...ga.subarray(5 * H, 6 * H)]).toEqual([...(await ctx.read(src)).subarray(2 * H, 3 * H)]); // row 5 ← src[5 % 3]
      expect(await ctx.read(split)).toEqual(await ctx.read(whole));
      ctx.release(whole, split, src, a, b);
    });

    test(`${dtype}: chunked cross-entropy over a split lm_head = unsplit, and = the CPU reference`, async () => {
      const ctx = gpu();
      const n = 21, hidden = 24, vocab = 1000, chunk = 128;
      const host = randn(vocab * hidden, 41, 0.5);
      const data = dtype === 'f32' ? host : toHalves(host, 'bf16');
      const h = randn(n * hidden, 42), dh0 = randn(n * hidden, 43, 0.01);
      const labels = randInt(n, 44, vocab);
      labels[0] = vocab - 1; labels[1] = IGNORE_INDEX; labels[2] = 256; labels[3] = 255;
      const gh = ctx.upload(h, [n, hidden], 'h'), gl = ctx.upload(labels, [n], 'labels');
      const run = async (W: ReturnType<typeof uploadRows>) => {
        const loss = ctx.empty([1], 'loss'), lse = ctx.empty([n], 'lse'), dh = ctx.upload(dh0, [n, hidden], 'dh');
        crossEntropyForward(ctx, loss, lse, gh, W, gl, { chunk });
        crossEntropyBackward(ctx, { dh, dW: null }, 0.7, gh, W, gl, lse, { chunk });
        const out = { loss: await ctx.read(loss), lse: await ctx.read(lse), dh: await ctx.read(dh) };
        ctx.release(loss, lse, dh, W);
        return out;
      };
      const whole = await run(uploadRows(ctx, data, [vocab, hidden], 'lm_head', dtype));
      const split = await run(uploadRows(ctx, data, [vocab, hidden], 'lm_head', dtype, 256 * hidden * (dtype === 'f32' ? 4 : 2))); // 4 parts, 2 chunks each
      expect([...split.loss]).toEqual([...whole.loss]);
      expect([...split.lse]).toEqual([...whole.lse]);
      expect([...split.dh]).toEqual([...whole.dh]);
      const W64 = Float64Array.from(dtype === 'f32' ? host : roundTrip(host, 'bf16'));
      const loss = new Float64Array(1), lse = new Float64Array(n), dh = Float64Array.from(dh0);
      crossEntropyForwardRef(loss, lse, Float64Array.from(h), W64, labels, { n, hidden, vocab });
      crossEntropyBackwardRef({ dh, dW: null }, 0.7, Float64Array.from(h), W64, labels, lse, { n, hidden, vocab });
      expectClose(split.loss, loss, 'loss', { atol: 1e-5, rtol: 1e-4 });
      expectClose(split.dh, dh, 'dh', { atol: 1e-6, rtol: 1e-4 });
      ctx.release(gh, gl);
    });
  }

  test('a kernel that binds whole tensors refuses a split one, naming it', () => {
    const ctx = gpu();
    const W = uploadRows(ctx, randn(300 * 8, 5), [300, 8], 'lm_head', 'f32', 128 * 8 * 4);
    expect(W.parts?.length).toBe(3);
    const x = ctx.empty([2, 8], 'x'), y = ctx.empty([2, 300], 'y');
    expect(() => matmul(ctx, y, x, W, { transB: true })).toThrow(/lm_head is split in 3 row chunks/);
    expect(() => ctx.view(W, 0, [1, 8])).toThrow(/split/);
    ctx.release(W, x, y);
  });
});
