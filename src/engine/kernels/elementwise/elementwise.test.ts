// Rung (i): every row of the op table — its CPU lambdas vs float64 central differences of
// dot(f(inputs), upstream) — including large |x| for the activations.
import { describe, expect, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { elementwiseBackwardRef, elementwiseForwardRef } from './elementwise.ref.ts';
import { OPS, resolveOp, type OpName, type OpRef } from './ops.ts';

const refOf = (name: OpName): OpRef => ((OPS[name] as { scalar?: boolean }).scalar ? { name, scalar: -0.37 } : name);

describe('element-wise op table: CPU lambdas vs finite differences', () => {
  for (const name of Object.keys(OPS) as OpName[]) {
    test(name, () => {
      const op = OPS[name];
      const n = 23;
      const ins = Array.from({ length: op.arity }, (_, j) => f64(randn(n, 40 + j, 3)));
      ins[0][0] = 12; // far tails of silu / gelu
      ins[0][1] = -12;
      const up = f64(randn(n, 50));
      const loss = () => {
        const out = new Float64Array(n);
        elementwiseForwardRef(refOf(name), out, ...ins);
        return dot(out, up);
      };
      const grads = ins.map(() => new Float64Array(n));
      elementwiseBackwardRef(refOf(name), grads, up, ...ins);
      grads.forEach((g, j) => expectClose(g, finiteDiff(loss, ins[j]), `${name} d${'ab'[j]}`, { atol: 1e-7, rtol: 1e-6 }));
    });
  }

  test('gelu_tanh matches the HF formula at known points', () => {
    const out = new Float64Array(3);
    elementwiseForwardRef('gelu_tanh', out, Float64Array.from([0, 1, -1]));
    expect(out[0]).toBe(0);
    expectClose(out, [0, 0.8411919906082768, -0.15880800939172324], 'gelu', { atol: 1e-12, rtol: 1e-12 });
  });

  test('scalar ops refuse a missing scalar; unknown ops are named', () => {
    expect(() => resolveOp('scale', 'here')).toThrow(/here: op 'scale' needs a finite scalar/);
    expect(() => resolveOp('nope' as OpName, 'here')).toThrow(/unknown element-wise op 'nope'/);
  });
});
