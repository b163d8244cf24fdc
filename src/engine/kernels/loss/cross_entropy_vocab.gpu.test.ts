// Rung (ii) at SmolVLM's real vocabulary: N = 500 tokens, V = 49280, H = 8 (small, so the
// GEMMs stay cheap on SwiftShader), default chunking (6 chunks of 8384 rows, the last one
// 7360), some rows ignored; GPU vs the unchunked CPU reference, forward and dh backward.
// Cost: 3 GEMMs of 500×49280×8 (forward + recompute + dh); dW's extra GEMM is left to the
// V = 1000 case in cross_entropy.gpu.test.ts, which runs the same chunk loop.
import { expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randInt, randn } from '../../testing/random.ts';
import { crossEntropyBackward, crossEntropyChunk, crossEntropyForward } from './cross_entropy.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef, IGNORE_INDEX } from './cross_entropy.ref.ts';

const gpu = useGpu();

test("SmolVLM's vocabulary: N = 500, V = 49280, H = 8, default chunks", async () => {
  const ctx = gpu();
  const n = 500, hidden = 8, vocab = 49280;
  expect(crossEntropyChunk(n, vocab, hidden)).toBe(8384);
  const hh = randn(n * hidden, 1, 2);
  const Wh = randn(vocab * hidden, 2, 2); // logits std ≈ 11
  const labels = randInt(n, 3, vocab);
  for (let i = 0; i < n; i += 7) labels[i] = IGNORE_INDEX;
  labels[1] = vocab - 1; // the last row of the last, partial chunk
  labels[2] = 8384; // the first row of the second chunk
  const dh0 = randn(n * hidden, 4, 0.01);
  const t = {
    h: ctx.upload(hh, [n, hidden], 'h'), W: ctx.upload(Wh, [vocab, hidden], 'lm_head'), labels: ctx.upload(labels, [n], 'labels'),
    loss: ctx.empty([1], 'loss'), lse: ctx.empty([n], 'lse'), dh: ctx.upload(dh0, [n, hidden], 'dh'),
  };
  crossEntropyForward(ctx, t.loss, t.lse, t.h, t.W, t.labels);
  crossEntropyBackward(ctx, { dh: t.dh, dW: null }, 2, t.h, t.W, t.labels, t.lse);
  const dims = { n, hidden, vocab };
  const [h64, W64] = [Float64Array.from(hh), Float64Array.from(Wh)];
  const loss = new Float64Array(1);
  const lse = new Float64Array(n);
  const dh = Float64Array.from(dh0);
  crossEntropyForwardRef(loss, lse, h64, W64, labels, dims);
  crossEntropyBackwardRef({ dh, dW: null }, 2, h64, W64, labels, lse, dims);
  expectClose(await ctx.read(t.loss), loss, 'loss', { atol: 1e-5, rtol: 1e-4 });
  expectClose(await ctx.read(t.lse), lse, 'lse', { atol: 1e-5, rtol: 1e-4 });
  expectClose(await ctx.read(t.dh), dh, 'dh', { atol: 1e-6, rtol: 1e-4 });
  ctx.release(...Object.values(t));
});
