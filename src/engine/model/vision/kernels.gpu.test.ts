// The three vision-only kernels on their own, on odd shapes, against CPU code written
// independently of the WGSL: pixel shuffle literally as PyTorch's view/permute chain
// (Idefics3Connector.pixel_shuffle) through a generic strided permute; im2col as
// Conv2d(stride = kernel) unfolding; the position add as a broadcast. Exact equality: these are
// pure data movement (and one f32 add).
import { describe, expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { addPositionForward, im2colForward, pixelShuffleForward, VisionKernelError } from './kernels.ts';

/** Row-major tensor `x` of shape `shape` permuted by `perm` (torch.permute + contiguous). */
function permute(x: Float32Array, shape: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const out = new Float32Array(x.length);
  const outShape = perm.map((p) => shape[p]);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = new Array(outShape.length).fill(0);
  for (let o = 0; o < out.length; o++) {
    let src = 0;
    for (let d = 0; d < idx.length; d++) src += idx[d] * strides[perm[d]];
    out[o] = x[src];
    for (let d = idx.length - 1; d >= 0; d--) { if (++idx[d] < outShape[d]) break; idx[d] = 0; }
  }
  return { data: out, shape: outShape };
}

/** transformers Idefics3Connector.pixel_shuffle, step by step (views are free in row-major). */
function pixelShuffleTorch(x: Float32Array, bsz: number, seq: number, D: number, s: number): Float32Array {
  const h = Math.round(Math.sqrt(seq)), w = h;
  // x.view(bsz, h, w/s, D·s) → permute(0,2,1,3)
  const a = permute(x, [bsz, h, w / s, D * s], [0, 2, 1, 3]);
  // .reshape(bsz, w/s, h/s, D·s²) → permute(0,2,1,3) → reshape(bsz, seq/s², D·s²)
  return permute(a.data, [bsz, w / s, h / s, D * s * s], [0, 2, 1, 3]).data;
}

describe('vision kernels', () => {
  const gpu = useGpu();

  for (const [M, n, s, D] of [[1, 2, 2, 1], [2, 6, 3, 5], [3, 8, 4, 7], [2, 4, 1, 3]]) {
    test(`pixel shuffle M=${M} n=${n} s=${s} D=${D} equals the PyTorch view/permute chain`, async () => {
      const ctx = gpu();
      const L = n * n;
      const xs = randn(M * L * D, n * 100 + D);
      const x = ctx.upload(xs, [M, L, D], 'x');
      const out = ctx.empty([M, L / (s * s), s * s * D], 'out');
      pixelShuffleForward(ctx, out, x, { n, s });
      expect(await ctx.read(out)).toEqual(pixelShuffleTorch(xs, M, L, D, s));
      ctx.release(x, out);
    });
  }

  test('im2col M=2 C=3 S=15 p=5 (and p=1) unfolds patches in PyTorch weight order (ch, i, j)', async () => {
    const ctx = gpu();
    for (const [M, C, S, p] of [[2, 3, 15, 5], [1, 2, 3, 1]]) {
      const n = S / p;
      const px = randn(M * C * S * S, S + p);
      const want = new Float32Array(M * n * n * C * p * p);
      let o = 0;
      for (let m = 0; m < M; m++) for (let py = 0; py < n; py++) for (let pxi = 0; pxi < n; pxi++)
        for (let ch = 0; ch < C; ch++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++)
          want[o++] = px[((m * C + ch) * S + py * p + i) * S + pxi * p + j];
      const pixels = ctx.upload(px, [M, C, S, S], 'pixels');
      const cols = ctx.empty([M * n * n, C * p * p], 'cols');
      im2colForward(ctx, cols, pixels, { C, S, p });
      expect(await ctx.read(cols)).toEqual(want);
      ctx.release(pixels, cols);
    }
  });

  test('position add broadcasts over images, in place; odd sizes and a partial last workgroup', async () => {
    const ctx = gpu();
    const L = 7, D = 10000, M = 1; // 70 000 elements: 274 workgroups, last one partial
    for (const [m, l, d] of [[3, 5, 7], [M, L, D]]) {
      const xs = randn(m * l * d, 1), ps = randn(l * d, 2);
      const x = ctx.upload(xs, [m * l, d], 'x'), pos = ctx.upload(ps, [l, d], 'pos');
      addPositionForward(ctx, x, pos);
      const want = xs.map((v, i) => Math.fround(v + ps[i % (l * d)]));
      expect(await ctx.read(x)).toEqual(want);
      ctx.release(x, pos);
    }
  });

  test('shape errors name the tensors', () => {
    const ctx = gpu();
    const x = ctx.empty([1, 36, 4], 'x'), out = ctx.empty([1, 4, 35], 'out');
    expect(() => pixelShuffleForward(ctx, out, x, { n: 6, s: 3 })).toThrow(VisionKernelError);
    expect(() => pixelShuffleForward(ctx, out, x, { n: 6, s: 3 })).toThrow(/out\[1,4,35\] has 140 elements, expected 144/);
    expect(() => pixelShuffleForward(ctx, x, x, { n: 6, s: 4 })).toThrow(/scale factor 4 does not divide the patch grid side 6/);
    const px = ctx.empty([1, 3, 10, 10], 'px');
    expect(() => im2colForward(ctx, x, px, { C: 3, S: 10, p: 3 })).toThrow(/patch 3 does not divide image side 10/);
    ctx.release(x, out, px);
  });
});
