// Rung (i): the LoRA linear CPU reference (dx, dA, dB, dW) vs float64 central differences of
// loss = dot(y, up), with a bias and a non-trivial scale; r = 1 and r = 3, N = 1 and N = 4.
import { describe, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { loraLinearBackwardRef, loraLinearForwardRef, type LoraDims } from './lora.ref.ts';

describe('loraLinear reference vs finite differences', () => {
  const cases: LoraDims[] = [
    { N: 4, inF: 5, outF: 6, r: 3 },
    { N: 1, inF: 3, outF: 4, r: 1 },
  ];
  for (const d of cases) {
    test(`N=${d.N} in=${d.inF} out=${d.outF} r=${d.r}`, () => {
      const { N, inF, outF, r } = d;
      const x = f64(randn(N * inF, 1)), W = f64(randn(outF * inF, 2));
      const A = f64(randn(r * inF, 3)), B = f64(randn(outF * r, 4));
      const bias = f64(randn(outF, 5)), up = f64(randn(N * outF, 6));
      const scale = 1.7;
      const y = new Float64Array(N * outF), u = new Float64Array(N * r);
      const loss = () => {
        loraLinearForwardRef(y, u, x, W, A, B, d, { scale, bias });
        return dot(y, up);
      };
      const fd = { x: finiteDiff(loss, x), W: finiteDiff(loss, W), A: finiteDiff(loss, A), B: finiteDiff(loss, B) };
      loss(); // leaves u from the unperturbed forward
      const init = (n: number, s: number) => f64(randn(n, s));
      const g0 = { dx: init(x.length, 7), dA: init(A.length, 8), dB: init(B.length, 9), dW: init(W.length, 10) };
      const g = { dx: Float64Array.from(g0.dx), dA: Float64Array.from(g0.dA), dB: Float64Array.from(g0.dB), dW: Float64Array.from(g0.dW) };
      loraLinearBackwardRef(g, up, x, u, W, A, B, d, { scale });
      const tol = { atol: 1e-7, rtol: 1e-6 };
      const sub = (a: Float64Array, b: Float64Array) => a.map((v, i) => v - b[i]);
      expectClose(sub(g.dx, g0.dx), fd.x, 'dx', tol);
      expectClose(sub(g.dW, g0.dW), fd.W, 'dW', tol);
      expectClose(sub(g.dA, g0.dA), fd.A, 'dA', tol);
      expectClose(sub(g.dB, g0.dB), fd.B, 'dB', tol);
    });
  }
});
