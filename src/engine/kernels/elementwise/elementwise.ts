// Element-wise launchers, specialised from the op table (ops.ts) into elementwise.wgsl.
//   elementwiseForward(ctx, op, out, ...inputs)              out = f(inputs)
//   elementwiseBackward(ctx, op, grads, dout, ...inputs)     grads[j] += dout·∂f/∂input_j
// op is a name ('add', 'mul', 'silu', 'gelu_tanh', 'swiglu', …) or { name, scalar } for the
// ops that read a scalar ('scale', 'axpy'). All tensors are f32 with out.size elements (any
// shape). grads[j] may be null (not bound, not computed). Writing a tensor that shares its
// GPU buffer with another binding (in-place, or two views of one buffer) is refused: WebGPU
// forbids a writable binding aliasing any other binding in one dispatch.
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { KernelArgumentError, checkDistinct, checkSize } from '../args.ts';
import { resolveOp, type ElementwiseOp, type OpRef } from './ops.ts';
import template from './elementwise.wgsl?raw';

const FILE = 'elementwise/elementwise.ts';
const VARS = ['a', 'b'];
const codes = new Map<string, string>();

function specialise(key: string, bindings: string[], body: string[]): string {
  let code = codes.get(key);
  if (!code) {
    code = template.replace('//BINDINGS', bindings.join('\n')).replace('//BODY', body.join('\n  '));
    codes.set(key, code);
  }
  return code;
}

const bind = (i: number, rw: boolean, name: string) =>
  `@group(0) @binding(${i}) var<storage, ${rw ? 'read_write' : 'read'}> ${name}: array<f32>;`;

function checkInputs(where: string, op: ElementwiseOp, n: number, inputs: GpuTensor[]): void {
  if (inputs.length !== op.arity) throw new KernelArgumentError(where, `op '${op.name}' takes ${op.arity} inputs, got ${inputs.length}`);
  inputs.forEach((t, j) => checkSize(where, `input ${VARS[j]}`, t, n));
}

function dispatch(ctx: GpuContext, name: string, code: string, tensors: GpuTensor[], rw: number, n: number, s: number): void {
  if (n === 0) return;
  ctx.dispatch({
    name,
    code,
    layout: ['uniform', ...tensors.map((_, i) => (i < rw ? 'rw' : 'read') as 'rw' | 'read')],
    bindings: tensors,
    params: [u32(n), f32(s)],
    workgroups: ctx.grid(Math.ceil(n / 256)),
  });
}

export function elementwiseForward(ctx: GpuContext, opRef: OpRef, out: GpuTensor, ...inputs: GpuTensor[]): void {
  const where = `${FILE}:elementwiseForward`;
  const { op, s } = resolveOp(opRef, where);
  const n = out.size;
  checkSize(where, 'out', out, n);
  checkInputs(where, op, n, inputs);
  checkDistinct(where, [out], [out, ...inputs]);
  const name = `ew_${op.name}_forward`;
  const code = specialise(name, [bind(1, true, 'out'), ...inputs.map((_, j) => bind(2 + j, false, `in${j}`))], [
    ...inputs.map((_, j) => `let ${VARS[j]} = in${j}[i];`),
    `out[i] = ${op.forward};`,
  ]);
  dispatch(ctx, name, code, [out, ...inputs], 1, n, s);
}

export function elementwiseBackward(
  ctx: GpuContext,
  opRef: OpRef,
  grads: readonly (GpuTensor | null)[],
  dout: GpuTensor,
  ...inputs: GpuTensor[]
): void {
  const where = `${FILE}:elementwiseBackward`;
  const { op, s } = resolveOp(opRef, where);
  const n = dout.size;
  checkSize(where, 'dout', dout, n);
  checkInputs(where, op, n, inputs);
  if (grads.length !== op.arity) throw new KernelArgumentError(where, `op '${op.name}' needs ${op.arity} grad slots (null to skip), got ${grads.length}`);
  const present = grads.map((g, j) => (g ? j : -1)).filter((j) => j >= 0);
  present.forEach((j) => checkSize(where, `grad of ${VARS[j]}`, grads[j]!, n));
  const gs = present.map((j) => grads[j]!);
  checkDistinct(where, gs, [...gs, dout, ...inputs]);
  if (gs.length === 0) return;
  const mask = present.join('');
  const name = `ew_${op.name}_backward_g${mask}`;
  const code = specialise(
    name,
    [
      ...present.map((j, k) => bind(1 + k, true, `g${j}`)),
      bind(1 + gs.length, false, 'dout'),
      ...inputs.map((_, j) => bind(2 + gs.length + j, false, `in${j}`)),
    ],
    [
      `let d = dout[i];`,
      ...inputs.map((_, j) => `let ${VARS[j]} = in${j}[i];`),
      ...present.map((j) => `g${j}[i] = g${j}[i] + d * (${op.backward[j]});`),
    ],
  );
  dispatch(ctx, name, code, [...gs, dout, ...inputs], gs.length, n, s);
}
