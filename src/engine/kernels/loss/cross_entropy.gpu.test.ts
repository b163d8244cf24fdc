// Rung (ii): chunked cross-entropy on the GPU vs the unchunked CPU reference: forward (loss,
// lse) and backward (dh, dW accumulating into non-zero starts, random dLoss). Cases: V not a
// multiple of C (1000 / 128, H = 64), N = 1 with one partial chunk, ignored rows, all rows
// ignored, logits of ±100, an invalid label and a misaligned chunk. SmolVLM's V = 49280: cross_entropy_vocab.gpu.test.ts.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randInt, randn } from '../../testing/random.ts';
import { crossEntropyBackward, crossEntropyForward } from './cross_entropy.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef, IGNORE_INDEX } from './cross_entropy.ref.ts';
import { KernelArgumentError } from '../args.ts';

interface Case {
  n: number;
  hidden: number;
  vocab: number;
  chunk?: number;
  scale?: number; // std of h and W entries
  ignore?: 'some' | 'all';
  withDW?: boolean;
}

describe('chunked cross-entropy on the GPU', () => {
  const gpu = useGpu();

  async function run(c: Case) {
    const ctx = gpu();
    const { n, hidden, vocab } = c;
    const hh = randn(n * hidden, n + vocab, c.scale ?? 1);
    const Wh = randn(vocab * hidden, hidden + 7, c.scale ?? 1);
    const labels = randInt(n, n * 3 + 1, vocab);
    if (c.ignore === 'all') labels.fill(IGNORE_INDEX);
    if (c.ignore === 'some') for (let i = 0; i < n; i += 3) labels[i] = IGNORE_INDEX;
    const dLoss = 0.75;
    const dh0 = randn(n * hidden, 41, 0.01);
    const dW0 = c.withDW === false ? null : randn(vocab * hidden, 42, 0.01);
    const t = {
      h: ctx.upload(hh, [n, hidden], 'h'), W: ctx.upload(Wh, [vocab, hidden], 'lm_head'),
      labels: ctx.upload(labels, [n], 'labels'), loss: ctx.empty([1], 'loss'), lse: ctx.empty([n], 'lse'),
      dh: ctx.upload(dh0, [n, hidden], 'dh'), dW: dW0 ? ctx.upload(dW0, [vocab, hidden], 'dW') : null,
    };
    crossEntropyForward(ctx, t.loss, t.lse, t.h, t.W, t.labels, { chunk: c.chunk });
    crossEntropyBackward(ctx, { dh: t.dh, dW: t.dW }, dLoss, t.h, t.W, t.labels, t.lse, { chunk: c.chunk });
    const out = {
      loss: await ctx.read(t.loss), lse: await ctx.read(t.lse), dh: await ctx.read(t.dh), dW: t.dW ? await ctx.read(t.dW) : null,
    };
    const dims = { n, hidden, vocab };
    const ref = { loss: new Float64Array(1), lse: new Float64Array(n), dh: Float64Array.from(dh0), dW: dW0 ? Float64Array.from(dW0) : null };
    const [h64, W64] = [Float64Array.from(hh), Float64Array.from(Wh)];
    crossEntropyForwardRef(ref.loss, ref.lse, h64, W64, labels, dims);
    crossEntropyBackwardRef({ dh: ref.dh, dW: ref.dW }, dLoss, h64, W64, labels, ref.lse, dims);
    ctx.release(...Object.values(t));
    return { out, ref, labels };
  }

  function compare({ out, ref }: Awaited<ReturnType<typeof run>>, label: string, gradAtol = 1e-6) {
    // f32 logits carry ~1e-7·|z| absolute error; lse and loss are compared relative to |z|
    expectClose(out.loss, ref.loss, `${label} loss`, { atol: 1e-5, rtol: 1e-4 });
    expectClose(out.lse, ref.lse, `${label} lse`, { atol: 1e-5, rtol: 1e-4 });
    expectClose(out.dh, ref.dh, `${label} dh`, { atol: gradAtol, rtol: 1e-4 });
    if (ref.dW) expectClose(out.dW!, ref.dW, `${label} dW`, { atol: gradAtol, rtol: 1e-4 });
  }

  test('V = 1000 in chunks of 128 (H = 64: aligned views, partial last chunk), some rows ignored', async () => {
    compare(await run({ n: 33, hidden: 64, vocab: 1000, chunk: 128, ignore: 'some' }), 'V1000');
  });

  test('N = 1, V < one default chunk (a single 100-row view), odd H with a legal chunk', async () => {
    compare(await run({ n: 1, hidden: 64, vocab: 100 }), 'N1');
    compare(await run({ n: 7, hidden: 24, vocab: 130, chunk: 8 }), 'H24'); // 8·24 = 192 ≡ 0 mod 64
  });

  test('all rows ignored: loss 0, gradients untouched, nothing NaN', async () => {
    const r = await run({ n: 65, hidden: 16, vocab: 300, chunk: 64, ignore: 'all' });
    expect(r.out.loss[0]).toBe(0);
    expect(r.out.lse.every(Number.isFinite)).toBe(true);
    compare(r, 'all-ignored', 0); // equality with the untouched starting values
  });

  test('large logits (|z| ~ 100) stay finite and accurate', async () => {
    const r = await run({ n: 17, hidden: 16, vocab: 257, chunk: 64, scale: 5 }); // z std = 25·4 = 100
    expect(Math.max(...r.ref.lse.map(Math.abs))).toBeGreaterThan(150);
    expect(r.out.dh.every(Number.isFinite) && r.out.dW!.every(Number.isFinite)).toBe(true);
    compare(r, 'large', 1e-5);
  });

  test('an invalid label poisons the loss with NaN; a misaligned chunk is refused', async () => {
    const ctx = gpu();
    const h = ctx.upload(randn(16, 1), [2, 8], 'h');
    const W = ctx.upload(randn(80, 2), [10, 8], 'W');
    const labels = ctx.upload(Int32Array.from([3, 10]), [2], 'labels');
    const loss = ctx.empty([1], 'loss');
    const lse = ctx.empty([2], 'lse');
    crossEntropyForward(ctx, loss, lse, h, W, labels);
    expect((await ctx.read(loss))[0]).toBeNaN();
    expect(() => crossEntropyForward(ctx, loss, lse, h, W, labels, { chunk: 3 })).toThrow(KernelArgumentError);
    expect(() => crossEntropyForward(ctx, loss, lse, h, W, labels, { chunk: 3 })).toThrow(/multiple of 8/);
    ctx.release(h, W, labels, loss, lse);
  });
});
