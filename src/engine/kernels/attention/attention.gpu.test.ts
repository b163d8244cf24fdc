// Rung (ii): GPU kernels vs the CPU reference, forward (out, lse) and backward (dq, dk, dv
// accumulated into random non-zero initial gradients, random upstream dout), on shapes that
// are not tile multiples and on the edge cases of the brief: decode T = 1, fully masked rows,
// padding left/middle/right, D = 10, GQA and MHA, large scores, T < S and T > S causal.
import { describe, expect, test } from 'vitest';
import { closeness, expectClose, type CloseOptions } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { KernelArgumentError } from '../args.ts';
import { attentionBackward, attentionForward } from './attention.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionDims } from './attention.ref.ts';

interface Case extends AttentionDims {
  causal: boolean;
  scale?: number;
  mask?: number[][]; // [B][S]
  inputScale?: number;
  tol?: CloseOptions;
}

/** −Infinity must appear at the same rows on both sides; the rest compared as usual. */
function expectLse(gpu: Float32Array, ref: Float64Array, label: string) {
  const negInf = [...ref].map((x, i) => (x === -Infinity ? i : -1)).filter((i) => i >= 0);
  expect(negInf.map((i) => gpu[i]), `${label}: rows without keys`).toEqual(negInf.map(() => -Infinity));
  const fin = (a: ArrayLike<number>) => Float64Array.from(a, (x) => (x === -Infinity ? 0 : x));
  expectClose(fin(gpu), fin(ref), label);
}

describe('attention on the GPU vs the CPU reference', () => {
  const gpu = useGpu();

  async function check(c: Case, seed: number) {
    const ctx = gpu();
    const { B, T, S, Hq, Hkv, D } = c;
    const nq = B * T * Hq * D;
    const nk = B * S * Hkv * D;
    const s = c.inputScale ?? 1;
    const [q, k, v, dout] = [randn(nq, seed, s), randn(nk, seed + 1, s), randn(nk, seed + 2), randn(nq, seed + 3)];
    const [dq0, dk0, dv0] = [randn(nq, seed + 4, 0.5), randn(nk, seed + 5, 0.5), randn(nk, seed + 6, 0.5)];
    const mask = c.mask ? Uint32Array.from(c.mask.flat()) : null;

    const tq = ctx.upload(q, [B, T, Hq, D], 'q');
    const tk = ctx.upload(k, [B, S, Hkv, D], 'k');
    const tv = ctx.upload(v, [B, S, Hkv, D], 'v');
    const tm = mask ? ctx.upload(mask, [B, S], 'keyMask') : null;
    const tout = ctx.empty([B, T, Hq, D], 'out');
    const tlse = ctx.empty([B, Hq, T], 'lse');
    const tdout = ctx.upload(dout, [B, T, Hq, D], 'dout');
    const tdq = ctx.upload(dq0, [B, T, Hq, D], 'dq');
    const tdk = ctx.upload(dk0, [B, S, Hkv, D], 'dk');
    const tdv = ctx.upload(dv0, [B, S, Hkv, D], 'dv');
    const opts = { causal: c.causal, scale: c.scale };
    attentionForward(ctx, tout, tlse, tq, tk, tv, tm, opts);
    attentionBackward(ctx, { dq: tdq, dk: tdk, dv: tdv }, tdout, tq, tk, tv, tout, tlse, tm, opts);
    const [out, lse, dq, dk, dv] = [await ctx.read(tout), await ctx.read(tlse), await ctx.read(tdq), await ctx.read(tdk), await ctx.read(tdv)];
    ctx.release(tq, tk, tv, tm, tout, tlse, tdout, tdq, tdk, tdv);

    const o = { ...c, scale: c.scale };
    const rout = new Float64Array(nq);
    const rlse = new Float64Array(B * Hq * T);
    const F = (a: ArrayLike<number>) => Float64Array.from(a);
    attentionForwardRef(rout, rlse, F(q), F(k), F(v), mask, o);
    const g = { dq: F(dq0), dk: F(dk0), dv: F(dv0) };
    attentionBackwardRef(g, F(dout), F(q), F(k), F(v), rout, rlse, mask, o);
    const name = JSON.stringify({ B, T, S, Hq, Hkv, D, causal: c.causal });
    expectClose(out, rout, `out ${name}`, c.tol);
    expectLse(lse, rlse, `lse ${name}`);
    expectClose(dq, g.dq, `dq ${name}`, c.tol);
    expectClose(dk, g.dk, `dk ${name}`, c.tol);
    expectClose(dv, g.dv, `dv ${name}`, c.tol);
    for (const [n, a] of [['out', out], ['dq', dq], ['dk', dk], ['dv', dv]] as const) {
      expect(a.every(Number.isFinite), `${n} finite ${name}`).toBe(true);
    }
    return { out, lse, dq, dk, dv, dq0, dk0, dv0 };
  }

  const ones = (n: number) => Array(n).fill(1);
  const padded = (n: number, zeros: number[]) => ones(n).map((x, i) => (zeros.includes(i) ? 0 : x));

  test('single element', async () => {
    await check({ B: 1, T: 1, S: 1, Hq: 1, Hkv: 1, D: 1, causal: true }, 1);
  });

  test('causal T = S = 33, GQA 4/2, D = 10 (not a multiple of 4)', async () => {
    await check({ B: 2, T: 33, S: 33, Hq: 4, Hkv: 2, D: 10, causal: true }, 2);
  });

  test('bidirectional T = S = 65, MHA 2/2, D = 64, padding in the middle', async () => {
    await check({ B: 1, T: 65, S: 65, Hq: 2, Hkv: 2, D: 64, causal: false, mask: [padded(65, [7, 8, 40])] }, 3);
  });

  test('decode step T = 1, S = 65, causal, right padding in one batch row', async () => {
    const mask = [padded(65, [60, 61, 62, 63, 64]), ones(65)];
    await check({ B: 2, T: 1, S: 65, Hq: 4, Hkv: 2, D: 64, causal: true, mask }, 4);
  });

  test('left padding + causal: fully masked rows give out 0, lse −Infinity, zero gradient', async () => {
    const mask = [padded(33, [0, 1, 2]), padded(33, [30, 31, 32])];
    const D = 10;
    const r = await check({ B: 2, T: 33, S: 33, Hq: 3, Hkv: 1, D, causal: true, mask }, 5);
    // batch 0, queries 0..2 see only padding: out row 0, dq unchanged from its initial value
    for (let t = 0; t < 3; t++) {
      for (let h = 0; h < 3; h++) {
        const i = (t * 3 + h) * D;
        expect([...r.out.slice(i, i + D)].every((x) => x === 0)).toBe(true);
        expect([...r.dq.slice(i, i + D)]).toEqual([...r.dq0.slice(i, i + D)]);
        expect(r.lse[h * 33 + t]).toBe(-Infinity);
      }
    }
    // padded keys receive no gradient
    expect([...r.dk.slice(0, D)]).toEqual([...r.dk0.slice(0, D)]);
    expect([...r.dv.slice(0, D)]).toEqual([...r.dv0.slice(0, D)]);
  });

  test('a batch row with every key masked (bidirectional)', async () => {
    const r = await check({ B: 2, T: 7, S: 9, Hq: 2, Hkv: 1, D: 10, causal: false, mask: [ones(9), Array(9).fill(0)] }, 6);
    expect([...r.lse.slice(14)].every((x) => x === -Infinity)).toBe(true);
  });

  test('large scores (scale·q·k up to ~±80) do not overflow', async () => {
    // q, k ~ N(0, 9), D = 10, scale 1: |q·k| reaches ~±80 (std 28). Scores of that size carry an f32
    // rounding error ~1e-5 that exp() turns into a relative error of the same order on P.
    const r = await check({ B: 1, T: 33, S: 33, Hq: 2, Hkv: 1, D: 10, causal: false, scale: 1, inputScale: 3, tol: { atol: 1e-4, rtol: 1e-3 } }, 7);
    expect(Math.max(...r.lse)).toBeGreaterThan(40);
  });

  test('D = 128 (the largest supported), causal, T = S = 20, GQA 2/1', async () => {
    await check({ B: 1, T: 20, S: 20, Hq: 2, Hkv: 1, D: 128, causal: true }, 8);
  });

  test('causal T < S (KV cache, end-aligned) with left padding; and T > S', async () => {
    await check({ B: 2, T: 7, S: 33, Hq: 2, Hkv: 2, D: 10, causal: true, mask: [padded(33, [0, 1]), ones(33)] }, 9);
    // T > S: the first T − S queries see no key at all
    const r = await check({ B: 1, T: 9, S: 5, Hq: 1, Hkv: 1, D: 10, causal: true }, 10);
    expect([...r.lse.slice(0, 4)].every((x) => x === -Infinity)).toBe(true);
  });

  test('130 keys, 5 queries, bidirectional, GQA 6/3', async () => {
    await check({ B: 1, T: 5, S: 130, Hq: 6, Hkv: 3, D: 64, causal: false, mask: [padded(130, [0, 64, 129])] }, 11);
  });

  test('null gradients are skipped; shape errors name the tensor', async () => {
    const ctx = gpu();
    const q = ctx.upload(randn(2 * 3 * 2 * 10, 1), [2, 3, 2, 10], 'q');
    const k = ctx.upload(randn(2 * 5 * 1 * 10, 2), [2, 5, 1, 10], 'k');
    const out = ctx.empty([2, 3, 2, 10], 'out');
    const lse = ctx.empty([2, 2, 3], 'lse');
    attentionForward(ctx, out, lse, q, k, k, null, { causal: false });
    const dv = ctx.zeros([2, 5, 1, 10], 'dv');
    attentionBackward(ctx, { dq: null, dk: null, dv }, out, q, k, k, out, lse, null, { causal: false });
    const ref = { dq: null, dk: null, dv: new Float64Array(100) };
    const [fq, fk, fo, fl] = [await ctx.read(q), await ctx.read(k), await ctx.read(out), await ctx.read(lse)];
    const o = { B: 2, T: 3, S: 5, Hq: 2, Hkv: 1, D: 10, causal: false };
    attentionBackwardRef(ref, fo, fq, fk, fk, fo, fl, null, o);
    expectClose(await ctx.read(dv), ref.dv, 'dv only');
    const bad = ctx.empty([2, 5, 10], 'vBad');
    expect(() => attentionForward(ctx, out, lse, q, k, bad, null, { causal: false })).toThrow(KernelArgumentError);
    expect(() => attentionForward(ctx, out, lse, q, k, bad, null, { causal: false })).toThrow(/attentionForward: v is vBad\[2,5,10\]/);
    const mask = ctx.empty([2, 5], 'mask'); // f32, not u32
    expect(() => attentionForward(ctx, out, lse, q, k, k, mask, { causal: true })).toThrow(/keyMask is mask\[2,5\]/);
    ctx.release(q, k, out, lse, dv, bad, mask);
  });

  test('SmolVLM-like shape B=2, T=S=128, Hq=9, Hkv=3, D=64: correct, timed', async () => {
    const ctx = gpu();
    const [B, T, Hq, Hkv, D] = [2, 128, 9, 3, 64];
    const q = ctx.upload(randn(B * T * Hq * D, 1), [B, T, Hq, D], 'q');
    const k = ctx.upload(randn(B * T * Hkv * D, 2), [B, T, Hkv, D], 'k');
    const v = ctx.upload(randn(B * T * Hkv * D, 3), [B, T, Hkv, D], 'v');
    const dout = ctx.upload(randn(B * T * Hq * D, 4), [B, T, Hq, D], 'dout');
    const out = ctx.empty(q.shape, 'out');
    const lse = ctx.empty([B, Hq, T], 'lse');
    const [dq, dk, dv] = [ctx.zeros(q.shape, 'dq'), ctx.zeros(k.shape, 'dk'), ctx.zeros(v.shape, 'dv')];
    const opts = { causal: true };
    attentionForward(ctx, out, lse, q, k, v, null, opts); // warm-up: pipeline compilation
    attentionBackward(ctx, { dq, dk, dv }, dout, q, k, v, out, lse, null, opts);
    await ctx.sync();
    const t0 = performance.now();
    attentionForward(ctx, out, lse, q, k, v, null, opts);
    await ctx.sync();
    const t1 = performance.now();
    attentionBackward(ctx, { dq, dk, dv }, dout, q, k, v, out, lse, null, opts);
    await ctx.sync();
    const t2 = performance.now();
    console.log(`attention B=${B} T=S=${T} Hq=${Hq} Hkv=${Hkv} D=${D} causal: forward ${(t1 - t0).toFixed(1)} ms, backward ${(t2 - t1).toFixed(1)} ms`);
    const o = { B, T, S: T, Hq, Hkv, D, causal: true };
    const F = (a: ArrayLike<number>) => Float64Array.from(a);
    const [fq, fk, fv] = [F(await ctx.read(q)), F(await ctx.read(k)), F(await ctx.read(v))];
    const rout = new Float64Array(B * T * Hq * D);
    const rlse = new Float64Array(B * Hq * T);
    attentionForwardRef(rout, rlse, fq, fk, fv, null, o);
    expectClose(await ctx.read(out), rout, 'out (timed shape)');
    const g = { dq: null, dk: null, dv: new Float64Array(B * T * Hkv * D) };
    attentionBackwardRef(g, F(await ctx.read(dout)), fq, fk, fv, rout, rlse, null, o);
    // dv was accumulated twice (warm-up + timed run) from zero
    const dv2 = (await ctx.read(dv)).map((x) => x / 2);
    expect(closeness(dv2, g.dv, { atol: 1e-4, rtol: 1e-4 }).worst).toBeLessThanOrEqual(1);
    ctx.release(q, k, v, dout, out, lse, dq, dk, dv);
  });
});
