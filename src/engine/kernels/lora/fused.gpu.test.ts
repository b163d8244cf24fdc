// Rung (ii) for the dispatch-economy fusions (docs/PERFORMANCE.md, issue 15): GPU vs CPU
// reference on odd shapes — the grouped LoRA u / dA kernels (1, 2 and 3 modules; r not a
// multiple of 4), the paired g / dB kernels (1 and 2 modules), each on the scalar and the
// vec4 variant of grouped_gemm.ts (the last case of each: vec4 loads, a K % 4 tail in dA/dB), the GEMM residual and
// SwiGLU epilogues on both matmul kernels (plain and LoRA GEMM),
// rope on q and k in one dispatch (== two single dispatches, bit for bit), and the 7-grads-
// per-dispatch grad-norm partials over 9 tensors (two dispatches) vs the CPU sum.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randInt, randn } from '../../testing/random.ts';
import { KernelArgumentError } from '../args.ts';
import { matmul, MatmulShapeError, setMatmulPath } from '../matmul/matmul.ts';
import { matmulRef } from '../matmul/matmul.ref.ts';
import { elementwiseForwardRef } from '../elementwise/elementwise.ref.ts';
import { globalGradNorm } from '../optim/adamw.ts';
import { ropeBackward, ropeForward, ropePair } from '../rope/rope.ts';
import { loraLinearForward } from './lora.ts';
import { loraLinearForwardRef } from './lora.ref.ts';
import { loraDAGroup, loraDBPair, loraGPair, loraUGroup } from './lora_group.ts';
import { loraDAGroupRef, loraDBPairRef, loraGPairRef, loraUGroupRef } from './lora_group.ref.ts';

const TOL = { atol: 2e-5, rtol: 1e-4 };

describe('fused kernels (GPU vs CPU reference)', () => {
  const gpu = useGpu();
  let seed = 700;

  for (const [G, N, K, r] of [[3, 33, 65, 16], [2, 1, 7, 3], [1, 13, 64, 5], [3, 70, 130, 1], [3, 13, 64, 16]] as const) {
    test(`loraUGroup / loraDAGroup: ${G} modules, N=${N} K=${K} r=${r}`, async () => {
      const ctx = gpu();
      const x = randn(N * K, seed++);
      const As = Array.from({ length: G }, () => randn(r * K, seed++, 0.2));
      const gx = ctx.upload(x, [N, K], 'x');
      const gA = As.map((A, i) => ctx.upload(A, [r, K], `A${i}`));
      const gu = As.map((_, i) => ctx.upload(new Float32Array(N * r).fill(NaN), [N, r], `u${i}`)); // overwritten
      loraUGroup(ctx, gu, gx, gA);
      const u = As.map(() => new Float32Array(N * r));
      loraUGroupRef(u, x, As, { N, K, r });
      for (let i = 0; i < G; i++) expectClose(await ctx.read(gu[i]), u[i], `u${i}`, TOL);

      const gs = As.map(() => randn(N * r, seed++));
      const init = As.map(() => randn(r * K, seed++));
      const gG = gs.map((g, i) => ctx.upload(g, [N, r], `g${i}`));
      const gdA = init.map((d, i) => ctx.upload(d, [r, K], `dA${i}`));
      loraDAGroup(ctx, gdA, gG, gx, 0.5);
      const dA = init.map((d) => Float32Array.from(d));
      loraDAGroupRef(dA, gs, x, 0.5, { N, K, r });
      for (let i = 0; i < G; i++) expectClose(await ctx.read(gdA[i]), dA[i], `dA${i}`, TOL);
      expect(() => loraUGroup(ctx, [gu[0]], gx, [gA[0], gA[0]])).toThrow(KernelArgumentError);
      if (G > 1) expect(() => loraDAGroup(ctx, [gdA[0], gdA[0]], [gG[0], gG[0]], gx, 1)).toThrow(/shares a GPU buffer/);
      ctx.release(gx, ...gA, ...gu, ...gG, ...gdA);
    });
  }

  for (const [Z, N, O, r] of [[2, 33, 65, 16], [1, 1, 7, 3], [2, 70, 130, 5], [2, 13, 64, 8]] as const) {
    test(`loraGPair / loraDBPair: ${Z} modules, N=${N} O=${O} r=${r}`, async () => {
      const ctx = gpu();
      const dys = Array.from({ length: Z }, () => randn(N * O, seed++));
      const Bs = dys.map(() => randn(O * r, seed++, 0.1)), us = dys.map(() => randn(N * r, seed++));
      const init = dys.map(() => randn(O * r, seed++));
      const gdy = dys.map((d, i) => ctx.upload(d, [N, O], `dy${i}`)), gB = Bs.map((B, i) => ctx.upload(B, [O, r], `B${i}`));
      const gu = us.map((u, i) => ctx.upload(u, [N, r], `u${i}`)), gdB = init.map((d, i) => ctx.upload(d, [O, r], `dB${i}`));
      const gg = dys.map((_, i) => ctx.upload(new Float32Array(N * r).fill(NaN), [N, r], `g${i}`));
      loraGPair(ctx, gg, gdy, gB);
      loraDBPair(ctx, gdB, gdy, gu, 0.25);
      const g = dys.map(() => new Float32Array(N * r)), dB = init.map((d) => Float32Array.from(d));
      loraGPairRef(g, dys, Bs, { N, O, r });
      loraDBPairRef(dB, dys, us, 0.25, { N, O, r });
      for (let i = 0; i < Z; i++) {
        expectClose(await ctx.read(gg[i]), g[i], `g${i}`, TOL);
        expectClose(await ctx.read(gdB[i]), dB[i], `dB${i}`, TOL);
      }
      ctx.release(...gdy, ...gB, ...gu, ...gdB, ...gg);
    });
  }

  for (const path of ['direct', 'tiled'] as const) {
    test(`GEMM epilogues (${path}): y = R + x·Wᵀ and s = silu(gate)·y (plain and LoRA), odd shapes`, async () => {
      const ctx = gpu();
      setMatmulPath(ctx, path);
      try {
        // each shape runs two of the four (GEMM, epilogue) pairs, so that every kernel variant
        // (direct: shape 1 scalar, shape 2 vec4) meets both epilogues with 2 compiles per shape
        for (const [N, inF, outF, r, first] of [[33, 65, 7, 16, true], [5, 64, 36, 3, false]] as const) {
          const x = randn(N * inF, seed++), W = randn(outF * inF, seed++, 0.2), R = randn(N * outF, seed++);
          const A = randn(r * inF, seed++, 0.2), B = randn(outF * r, seed++, 0.1);
          const gx = ctx.upload(x, [N, inF], 'x'), gW = ctx.upload(W, [outF, inF], 'W'), gR = ctx.upload(R, [N, outF], 'R');
          const gA = ctx.upload(A, [r, inF], 'A'), gB = ctx.upload(B, [outF, r], 'B');
          const gy = ctx.upload(new Float32Array(N * outF).fill(NaN), [N, outF], 'y');
          const gu = ctx.empty([N, r], 'u'), gs = ctx.empty([N, outF], 's');
          const y = new Float32Array(N * outF);
          matmulRef({ data: y, shape: [N, outF] }, { data: x, shape: [N, inF] }, { data: W, shape: [outF, inF] }, { transB: true });
          const yl = new Float32Array(N * outF), u = new Float32Array(N * r);
          loraLinearForwardRef(yl, u, x, W, A, B, { N, inF, outF, r }, { scale: 2 });
          const sw = new Float32Array(N * outF);
          // residual: y = R + x·Wᵀ (+ LoRA)
          if (first) matmul(ctx, gy, gx, gW, { transB: true, residual: gR });
          else loraLinearForward(ctx, gy, gu, gx, gW, gA, gB, { scale: 2, residual: gR });
          expectClose(await ctx.read(gy), (first ? y : yl).map((v, i) => v + R[i]), 'y + R', TOL);
          // swiglu: y = up, s = silu(gate)·y; the gate is R here
          if (first) loraLinearForward(ctx, gy, gu, gx, gW, gA, gB, { scale: 2, swiglu: { gate: gR, out: gs } });
          else matmul(ctx, gy, gx, gW, { transB: true, swiglu: { gate: gR, out: gs } });
          expectClose(await ctx.read(gy), first ? yl : y, 'y (up)', TOL);
          elementwiseForwardRef('swiglu', sw, R, first ? yl : y);
          expectClose(await ctx.read(gs), sw, 'silu(gate)·up', TOL);
          expect(() => matmul(ctx, gR, gx, gW, { transB: true, residual: gR })).toThrow(MatmulShapeError); // aliasing
          expect(() => matmul(ctx, gy, gx, gW, { transB: true, swiglu: { gate: gR, out: gx } })).toThrow(MatmulShapeError);
          ctx.release(gx, gW, gR, gA, gB, gy, gu, gs);
        }
      } finally {
        setMatmulPath(ctx, 'auto');
      }
    });
  }

  test('ropePair == ropeForward/ropeBackward on q and k, bit for bit (GQA heads, odd rows)', async () => {
    const ctx = gpu();
    const rows = 13, hq = 9, hk = 3, D = 64, theta = 100000;
    const positions = ctx.upload(Uint32Array.from(randInt(rows, seed++, 2049)), [rows], 'positions');
    const q = randn(rows * hq * D, seed++), k = randn(rows * hk * D, seed++);
    const up = () => [ctx.upload(q, [rows, hq * D], 'q'), ctx.upload(k, [rows, hk * D], 'k')];
    for (const inverse of [false, true]) {
      const [q1, k1] = up(), [q2, k2] = up();
      ropePair(ctx, q1, k1, positions, { heads: hq, heads2: hk, headDim: D, theta }, inverse);
      const one = inverse ? ropeBackward : ropeForward;
      one(ctx, q2, positions, { heads: hq, headDim: D, theta });
      one(ctx, k2, positions, { heads: hk, headDim: D, theta });
      expect(await ctx.read(q1)).toEqual(await ctx.read(q2));
      expect(await ctx.read(k1)).toEqual(await ctx.read(k2));
      expect(() => ropePair(ctx, q1, q1, positions, { heads: hq, heads2: hq, headDim: D, theta }, inverse)).toThrow(KernelArgumentError);
      ctx.release(q1, k1, q2, k2);
    }
    ctx.release(positions);
  });

  test('globalGradNorm: 9 grads (7 + 2 per dispatch, one empty, one over a chunk) == CPU Σg²', async () => {
    const ctx = gpu();
    const sizes = [5, 2048, 3000, 0, 1, 17, 4097, 64, 9];
    const host = sizes.map((n, i) => randn(n, seed + i, 0.1 * (i + 1)));
    seed += sizes.length;
    const grads = host.map((g, i) => (g.length ? ctx.upload(g, [g.length], `g${i}`) : ctx.empty([0], `g${i}`)));
    const normSq = ctx.zeros([1], 'normSq');
    const d0 = ctx.counters.dispatches;
    globalGradNorm(ctx, normSq, grads);
    expect(ctx.counters.dispatches - d0).toBe(3); // 2 partials dispatches + final
    let want = 0;
    for (const g of host) for (const v of g) want += v * v;
    expectClose(await ctx.read(normSq), [want], 'normSq', { rtol: 1e-5 });
    ctx.release(normSq, ...grads);
  });
});
