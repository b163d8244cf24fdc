// CPU reference for the element-wise ops, derived from the same table rows (ops.ts lambdas).
import { resolveOp, type OpRef } from './ops.ts';

export type Vec = Float32Array | Float64Array;

export function elementwiseForwardRef(opRef: OpRef, out: Vec, ...inputs: Vec[]): void {
  const { op, s } = resolveOp(opRef, 'elementwiseForwardRef');
  for (let i = 0; i < out.length; i++) out[i] = op.ref.forward(inputs[0][i], op.arity > 1 ? inputs[1][i] : 0, s);
}

/** grads[j][i] += dout[i] · ∂f/∂input_j (null grads skipped). */
export function elementwiseBackwardRef(opRef: OpRef, grads: readonly (Vec | null)[], dout: Vec, ...inputs: Vec[]): void {
  const { op, s } = resolveOp(opRef, 'elementwiseBackwardRef');
  for (let i = 0; i < dout.length; i++) {
    const a = inputs[0][i];
    const b = op.arity > 1 ? inputs[1][i] : 0;
    grads.forEach((g, j) => {
      if (g) g[i] += dout[i] * op.ref.backward[j](a, b, s);
    });
  }
}
