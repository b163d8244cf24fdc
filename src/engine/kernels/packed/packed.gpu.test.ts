// Rung (ii) for frozen weights kept in their stored precision (bf16 / f16 packed in u32 words,
// no 'shader-f16'): every kernel that reads a packed weight, GPU vs the CPU reference run in
// float64 on the round-tripped weight (roundTrip: the exact values the kernel widens to), on
// odd shapes that are not tile multiples, both matmul kernels (direct, tiled):
//   matmul y = x·Wᵀ, dx += dy·W (the frozen-weight backward), fused LoRA forward + backward
//   (dx, dA, dB with a random upstream gradient), embedding gather (bit-exact), chunked
//   cross-entropy forward + dh over several vocabulary chunks (a packed view per chunk).
// Each case also checks that the reference on the UNROUNDED weight is outside the tolerance,
// so a kernel that read anything but the stored halves would fail.
import { describe, expect, test } from 'vitest';
import { closeness, expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randInt, randn } from '../../testing/random.ts';
import { embeddingForward } from '../embedding/embedding.ts';
import { crossEntropyBackward, crossEntropyForward } from '../loss/cross_entropy.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef, IGNORE_INDEX } from '../loss/cross_entropy.ref.ts';
import { loraLinearBackward, loraLinearForward } from '../lora/lora.ts';
import { loraLinearBackwardRef, loraLinearForwardRef } from '../lora/lora.ref.ts';
import { matmul, setMatmulPath } from '../matmul/matmul.ts';
import { matmulRef } from '../matmul/matmul.ref.ts';
import { roundTrip, uploadHalves } from './packed.ts';

const TOL = { atol: 2e-5, rtol: 1e-4 };
const f64 = (x: ArrayLike<number>) => Float64Array.from(x);

/** The GPU result matches the rounded-weight reference and NOT the unrounded one. */
function expectPacked(got: Float32Array, rounded: ArrayLike<number>, unrounded: ArrayLike<number>, label: string) {
  expectClose(got, rounded, label, TOL);
  expect(closeness(got, unrounded, TOL).worst, `${label}: indistinguishable from the unrounded f32 weight`).toBeGreaterThan(1);
}

describe('packed bf16/f16 frozen weights (GPU vs CPU reference)', () => {
  const gpu = useGpu();
  let seed = 700;
  for (const dtype of ['bf16', 'f16'] as const) {
    for (const path of ['direct', 'tiled'] as const) {
      // 70 × 45: scalar reads; 68 × 44: the direct path's vec4 kernel (B as vec2u words)
      for (const [M, K, N] of [[37, 70, 45], [37, 68, 44]] as const) test(`${dtype} ${path}: matmul x·Wᵀ and dx += dy·W, M=${M} K=${K} N=${N}`, async () => {
        const ctx = gpu();
        setMatmulPath(ctx, path);
        const x = randn(M * K, seed++), W = randn(N * K, seed++, 0.3), Wr = roundTrip(W, dtype);
        const gx = ctx.upload(x, [M, K], 'x'), gW = uploadHalves(ctx, W, [N, K], 'W', dtype);
        expect(gW.dtype).toBe(dtype);
        const gy = ctx.empty([M, N], 'y');
        matmul(ctx, gy, gx, gW, { transB: true });
        const ref = (w: ArrayLike<number>) => {
          const c = { data: new Float64Array(M * N), shape: [M, N] };
          matmulRef(c, { data: f64(x), shape: [M, K] }, { data: f64(w), shape: [N, K] }, { transB: true });
          return c.data;
        };
        expectPacked(await ctx.read(gy), ref(Wr), ref(W), 'y');
        // backward through the frozen weight: dx += dy·W (accumulating into a non-zero dx)
        const dy = randn(M * N, seed++), dx0 = randn(M * K, seed++);
        const gdy = ctx.upload(dy, [M, N], 'dy'), gdx = ctx.upload(dx0, [M, K], 'dx');
        matmul(ctx, gdx, gdy, gW, { beta: 1 });
        const refDx = (w: ArrayLike<number>) => {
          const c = { data: f64(dx0), shape: [M, K] };
          matmulRef(c, { data: f64(dy), shape: [M, N] }, { data: f64(w), shape: [N, K] }, { beta: 1 });
          return c.data;
        };
        expectPacked(await ctx.read(gdx), refDx(Wr), refDx(W), 'dx');
        setMatmulPath(ctx, 'auto');
        ctx.release(gx, gW, gy, gdy, gdx);
      });

      test(`${dtype} ${path}: fused LoRA linear forward + backward, N=29 in=67 out=51 r=5`, async () => {
        const ctx = gpu();
        setMatmulPath(ctx, path);
        const d = { N: 29, inF: 67, outF: 51, r: 5 };
        const scale = 2;
        const x = randn(d.N * d.inF, seed++), W = randn(d.outF * d.inF, seed++, 0.3), Wr = roundTrip(W, dtype);
        const A = randn(d.r * d.inF, seed++, 0.2), B = randn(d.outF * d.r, seed++, 0.1);
        const gx = ctx.upload(x, [d.N, d.inF], 'x'), gW = uploadHalves(ctx, W, [d.outF, d.inF], 'W', dtype);
        const gA = ctx.upload(A, [d.r, d.inF], 'A'), gB = ctx.upload(B, [d.outF, d.r], 'B');
        const gy = ctx.empty([d.N, d.outF], 'y'), gu = ctx.empty([d.N, d.r], 'u');
        loraLinearForward(ctx, gy, gu, gx, gW, gA, gB, { scale });
        const fwd = (w: ArrayLike<number>) => {
          const y = new Float64Array(d.N * d.outF), u = new Float64Array(d.N * d.r);
          loraLinearForwardRef(y, u, f64(x), f64(w), f64(A), f64(B), d, { scale });
          return { y, u };
        };
        const want = fwd(Wr);
        expectPacked(await ctx.read(gy), want.y, fwd(W).y, 'y');
        const dy = randn(d.N * d.outF, seed++);
        const init = { dx: randn(d.N * d.inF, seed++), dA: randn(d.r * d.inF, seed++), dB: randn(d.outF * d.r, seed++) };
        const g = {
          dx: ctx.upload(init.dx, [d.N, d.inF], 'dx'), dA: ctx.upload(init.dA, [d.r, d.inF], 'dA'), dB: ctx.upload(init.dB, [d.outF, d.r], 'dB'),
        };
        const gdy = ctx.upload(dy, [d.N, d.outF], 'dy');
        loraLinearBackward(ctx, { ...g, dW: null }, gdy, gx, gu, gW, gA, gB, { scale });
        const bwd = (w: ArrayLike<number>) => {
          const r = { dx: f64(init.dx), dA: f64(init.dA), dB: f64(init.dB), dW: null };
          loraLinearBackwardRef(r, f64(dy), f64(x), want.u, f64(w), f64(A), f64(B), d, { scale });
          return r;
        };
        const wr = bwd(Wr);
        expectPacked(await ctx.read(g.dx), wr.dx, bwd(W).dx, 'dx');
        expectClose(await ctx.read(g.dA), wr.dA, 'dA', TOL);
        expectClose(await ctx.read(g.dB), wr.dB, 'dB', TOL);
        setMatmulPath(ctx, 'auto');
        ctx.release(gx, gW, gA, gB, gy, gu, g.dx, g.dA, g.dB, gdy);
      });
    }

    test(`${dtype}: embedding gather of an odd-sized packed table is bit-exact`, async () => {
      const ctx = gpu();
      const V = 37, H = 13, rows = 23; // odd V·H: the last word holds one element
      const table = randn(V * H, seed++), Tr = roundTrip(table, dtype);
      const ids = Uint32Array.from(randInt(rows, seed++, V));
      ids[0] = V - 1; // the last row, whose last element is the low half of the tail word
      const gT = uploadHalves(ctx, table, [V, H], 'embed', dtype), out = ctx.empty([rows, H], 'out');
      embeddingForward(ctx, out, ids, gT);
      const want = new Float32Array(rows * H);
      ids.forEach((id, r) => want.set(Tr.subarray(id * H, (id + 1) * H), r * H));
      expect([...(await ctx.read(out))]).toEqual([...want]);
      ctx.release(gT, out);
    });

    test(`${dtype}: chunked cross-entropy over a packed lm_head, V=1000 in chunks of 128`, async () => {
      const ctx = gpu();
      const n = 19, hidden = 30, vocab = 1000;
      const h = randn(n * hidden, seed++), W = randn(vocab * hidden, seed++, 0.5), Wr = roundTrip(W, dtype);
      const labels = randInt(n, seed++, vocab);
      labels[3] = IGNORE_INDEX;
      labels[4] = vocab - 1;
      const dh0 = randn(n * hidden, seed++, 0.01);
      const t = {
        h: ctx.upload(h, [n, hidden], 'h'), W: uploadHalves(ctx, W, [vocab, hidden], 'lm_head', dtype),
        labels: ctx.upload(labels, [n], 'labels'), loss: ctx.empty([1], 'loss'), lse: ctx.empty([n], 'lse'),
        dh: ctx.upload(dh0, [n, hidden], 'dh'),
      };
      expect(() => crossEntropyForward(ctx, t.loss, t.lse, t.h, t.W, t.labels, { chunk: 100 })).toThrow(/multiple of 256/);
      crossEntropyForward(ctx, t.loss, t.lse, t.h, t.W, t.labels, { chunk: 128 });
      crossEntropyBackward(ctx, { dh: t.dh, dW: null }, 1.5, t.h, t.W, t.labels, t.lse, { chunk: 128 });
      const ref = (w: ArrayLike<number>) => {
        const loss = new Float64Array(1), lse = new Float64Array(n), dh = f64(dh0);
        const dims = { n, hidden, vocab };
        crossEntropyForwardRef(loss, lse, f64(h), f64(w), labels, dims);
        crossEntropyBackwardRef({ dh, dW: null }, 1.5, f64(h), f64(w), labels, lse, dims);
        return { loss, lse, dh };
      };
      const [r, u] = [ref(Wr), ref(W)];
      expectClose(await ctx.read(t.lse), r.lse, 'lse', TOL); // a sum over 1000 logits: f16 rounding averages out
      expectClose(await ctx.read(t.loss), r.loss, 'loss', TOL);
      expectPacked(await ctx.read(t.dh), r.dh, u.dh, 'dh');
      ctx.release(...Object.values(t));
    });
  }
});
