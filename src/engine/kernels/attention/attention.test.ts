// Rung (i): the CPU reference against float64 central finite differences of
// loss = dot(out, U), for every element of q, k and v; plus hand-checked forward values.
import { describe, expect, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { attentionBackwardRef, attentionForwardRef, type AttentionRefOptions } from './attention.ref.ts';

function run(o: AttentionRefOptions, mask: Uint32Array | null, seed: number) {
  const nq = o.B * o.T * o.Hq * o.D;
  const nk = o.B * o.S * o.Hkv * o.D;
  const q = f64(randn(nq, seed));
  const k = f64(randn(nk, seed + 1));
  const v = f64(randn(nk, seed + 2));
  const U = f64(randn(nq, seed + 3));
  const out = new Float64Array(nq);
  const lse = new Float64Array(o.B * o.Hq * o.T);
  const loss = () => {
    attentionForwardRef(out, lse, q, k, v, mask, o);
    return dot(out, U);
  };
  loss();
  // backward accumulates: start from non-zero grads and subtract them afterwards
  const g0 = { dq: f64(randn(nq, seed + 4)), dk: f64(randn(nk, seed + 5)), dv: f64(randn(nk, seed + 6)) };
  const g = { dq: g0.dq.slice(), dk: g0.dk.slice(), dv: g0.dv.slice() };
  attentionBackwardRef(g, U, q, k, v, out, lse, mask, o);
  const sub = (a: Float64Array, b: Float64Array) => a.map((x, i) => x - b[i]);
  const tol = { atol: 1e-7, rtol: 1e-6 };
  expectClose(sub(g.dq, g0.dq), finiteDiff(loss, q), 'dq', tol);
  expectClose(sub(g.dk, g0.dk), finiteDiff(loss, k), 'dk', tol);
  expectClose(sub(g.dv, g0.dv), finiteDiff(loss, v), 'dv', tol);
  return { out, lse, dq: sub(g.dq, g0.dq), dk: sub(g.dk, g0.dk), dv: sub(g.dv, g0.dv) };
}

describe('attention CPU reference vs finite differences', () => {
  test('bidirectional, GQA 4/2, odd D, padding in the middle', () => {
    const o = { B: 2, T: 3, S: 5, Hq: 4, Hkv: 2, D: 3, causal: false };
    const mask = Uint32Array.from([1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    run(o, mask, 10);
  });

  test('causal T = S, Hq = Hkv, custom scale', () => {
    run({ B: 1, T: 4, S: 4, Hq: 2, Hkv: 2, D: 5, causal: true, scale: 0.7 }, null, 20);
  });

  test('causal T < S (KV cache) with right padding and GQA 3/1', () => {
    const mask = Uint32Array.from([1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1]);
    run({ B: 2, T: 2, S: 7, Hq: 3, Hkv: 1, D: 4, causal: true }, mask, 30);
  });

  test('a fully masked row gives out 0, lse −Infinity, and no gradient', () => {
    // left padding + causal: query 0 of batch 0 may only see key 0, which is padding.
    const o = { B: 2, T: 4, S: 4, Hq: 2, Hkv: 1, D: 3, causal: true };
    const mask = Uint32Array.from([0, 1, 1, 1, 1, 1, 1, 1]);
    const r = run(o, mask, 40);
    for (const h of [0, 1]) {
      expect(r.lse[h * o.T]).toBe(-Infinity);
      const oi = h * o.D; // b=0, t=0, head h
      expect([...r.out.slice(oi, oi + o.D)]).toEqual([0, 0, 0]);
      expect([...r.dq.slice(oi, oi + o.D)].every((x) => Math.abs(x) < 1e-12)).toBe(true);
    }
    // key 0 of batch 0 is padding: no gradient reaches it
    expect([...r.dk.slice(0, o.D)].every((x) => Math.abs(x) < 1e-12)).toBe(true);
    expect([...r.dv.slice(0, o.D)].every((x) => Math.abs(x) < 1e-12)).toBe(true);
  });

  test('forward matches a hand computation', () => {
    // one head, D = 1, q = 2, keys 1 and −1, scale 1: p = softmax([2, −2])
    const out = new Float64Array(1);
    const lse = new Float64Array(1);
    const o = { B: 1, T: 1, S: 2, Hq: 1, Hkv: 1, D: 1, causal: false, scale: 1 };
    attentionForwardRef(out, lse, f64([2]), f64([1, -1]), f64([10, 20]), null, o);
    const p0 = Math.exp(2) / (Math.exp(2) + Math.exp(-2));
    expect(out[0]).toBeCloseTo(10 * p0 + 20 * (1 - p0), 12);
    expect(lse[0]).toBeCloseTo(Math.log(Math.exp(2) + Math.exp(-2)), 12);
    // causal with T = 1 < S = 2 sees both keys (aligned at the end): same answer
    attentionForwardRef(out, lse, f64([2]), f64([1, -1]), f64([10, 20]), null, { ...o, causal: true });
    expect(out[0]).toBeCloseTo(10 * p0 + 20 * (1 - p0), 12);
  });

  test('large scores (±80) stay finite and exact', () => {
    const out = new Float64Array(1);
    const lse = new Float64Array(1);
    const o = { B: 1, T: 1, S: 3, Hq: 1, Hkv: 1, D: 1, causal: false, scale: 1 };
    attentionForwardRef(out, lse, f64([80]), f64([1, -1, 0.99]), f64([1, 2, 3]), null, o);
    const w = [1, Math.exp(-160), Math.exp(-0.8)];
    const z = w[0] + w[1] + w[2];
    expect(out[0]).toBeCloseTo((1 * w[0] + 2 * w[1] + 3 * w[2]) / z, 12);
    expect(lse[0]).toBeCloseTo(80 + Math.log(z), 10);
  });
});
