// Rung (i): the CPU reference of matmul against float64 central differences, all four
// transpose combinations, batched with shared and batched B. The loss is dot(C, up) for a
// random upstream gradient `up`. Also checks that the backward expressed as matmuls with the
// transposes the GPU launcher uses (matmulBackward) equals the finite differences.
import { describe, expect, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { backwardPlan } from './matmul_backward.ts';
import { matmulBackwardRef, matmulRef, type Host } from './matmul.ref.ts';

const cases = [
  { lead: [], M: 3, K: 4, N: 5, bBatched: false },
  { lead: [2], M: 3, K: 2, N: 4, bBatched: false },
  { lead: [2], M: 2, K: 3, N: 3, bBatched: true },
];

describe('matmulRef vs finite differences', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      for (const cs of cases) {
        const tag = `transA=${transA} transB=${transB} lead=[${cs.lead}] M=${cs.M} K=${cs.K} N=${cs.N} bBatched=${cs.bBatched}`;
        test(tag, () => {
          const { lead, M, K, N } = cs;
          const batch = lead.reduce((x, y) => x * y, 1);
          const a: Host = { data: f64(randn(batch * M * K, 1)), shape: [...lead, ...(transA ? [K, M] : [M, K])] };
          const bl = cs.bBatched ? lead : [];
          const b: Host = { data: f64(randn((cs.bBatched ? batch : 1) * K * N, 2)), shape: [...bl, ...(transB ? [N, K] : [K, N])] };
          const c0 = f64(randn(batch * M * N, 3));
          const up = f64(randn(batch * M * N, 4));
          const o = { transA, transB, alpha: 0.7, beta: 0.3 };
          const loss = () => {
            const c: Host = { data: Float64Array.from(c0), shape: [...lead, M, N] };
            matmulRef(c, a, b, o);
            return dot(c.data, up);
          };
          const gA = finiteDiff(loss, a.data as Float64Array);
          const gB = finiteDiff(loss, b.data as Float64Array);
          const dA = new Float64Array(a.data.length);
          const dB = new Float64Array(b.data.length);
          matmulBackwardRef({ dA, dB }, up, a, b, o);
          expectClose(dA, gA, `${tag} dA`, { atol: 1e-7, rtol: 1e-6 });
          expectClose(dB, gB, `${tag} dB`, { atol: 1e-7, rtol: 1e-6 });

          // The GPU backward's plan, run on the CPU reference: same gradients.
          const dA2 = new Float64Array(a.data.length).fill(0.5);
          const dB2 = new Float64Array(b.data.length).fill(-0.25);
          const dCh: Host = { data: up, shape: [...lead, M, N] };
          if (transA && !cs.bBatched && batch > 1) {
            expect(() => backwardPlan(a.shape, b.shape, transA, transB)).toThrow(/shared by a batch/);
            return;
          }
          const plan = backwardPlan(a.shape, b.shape, transA, transB);
          for (const step of plan) {
            const out = step.grad === 'dA' ? { data: dA2, shape: a.shape } : { data: dB2, shape: b.shape };
            const pick = (s: 'a' | 'b' | 'dC') => (s === 'a' ? a : s === 'b' ? b : dCh);
            const x = pick(step.x);
            const y = pick(step.y);
            matmulRef(
              { data: out.data, shape: step.outShape },
              { data: x.data, shape: step.xShape },
              { data: y.data, shape: step.yShape },
              { transA: step.transA, transB: step.transB, alpha: o.alpha, beta: 1 },
            );
          }
          expectClose(dA2.map((v) => v - 0.5), gA, `${tag} plan dA`, { atol: 1e-7, rtol: 1e-6 });
          expectClose(dB2.map((v) => v + 0.25), gB, `${tag} plan dB`, { atol: 1e-7, rtol: 1e-6 });
        });
      }
    }
  }

  test('beta=0 ignores garbage (NaN) in C; beta=1 accumulates', () => {
    const a: Host = { data: Float32Array.from([1, 2, 3, 4]), shape: [2, 2] };
    const b: Host = { data: Float32Array.from([1, 0, 0, 1]), shape: [2, 2] };
    const c: Host = { data: new Float32Array(4).fill(NaN), shape: [2, 2] };
    matmulRef(c, a, b);
    expect([...c.data]).toEqual([1, 2, 3, 4]);
    matmulRef(c, a, b, { beta: 1, transA: true });
    expect([...c.data]).toEqual([2, 5, 5, 8]);
  });
});
