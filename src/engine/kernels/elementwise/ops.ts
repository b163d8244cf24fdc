// The element-wise op table (webgpu-torch `op_table.ts` / tinygrad gradient rules style).
// Each row gives the output as a WGSL expression of the inputs `a`, `b` and the uniform scalar
// `s`, and for each input the LOCAL derivative ∂out/∂input as a WGSL expression; the generic
// template (elementwise.wgsl) multiplies it by the upstream gradient `d` and accumulates.
// Next to every WGSL string sits the same formula as a TypeScript lambda: the CPU reference
// (elementwise.ref.ts) is derived from this table, so the two cannot drift apart silently.
// Helpers available to the expressions (defined in elementwise.wgsl and below for the CPU):
// sigmoid(x), silu(x), dsilu(x), gelu_tanh(x), dgelu_tanh(x).

export type F = (a: number, b: number, s: number) => number;

export interface ElementwiseOp {
  name: string;
  arity: 1 | 2;
  /** The op reads the uniform scalar `s` (pass it as { name, scalar }). */
  scalar?: boolean;
  forward: string;
  /** ∂out/∂input_j, one WGSL expression per input. */
  backward: readonly string[];
  ref: { forward: F; backward: readonly F[] };
}

// ---- CPU twins of the WGSL helpers (float64) ----------------------------------------------
const sigmoid = (x: number) => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
const silu = (x: number) => x * sigmoid(x);
const dsilu = (x: number) => {
  const g = sigmoid(x);
  return g * (1 + x * (1 - g));
};
const K = Math.sqrt(2 / Math.PI);
const C = 0.044715;
// HF `gelu_pytorch_tanh`: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(K * (x + C * x ** 3)));
const dgelu = (x: number) => {
  const t = Math.tanh(K * (x + C * x ** 3));
  return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * K * (1 + 3 * C * x * x);
};

export const OPS = {
  /** residual add */
  add: { name: 'add', arity: 2, forward: 'a + b', backward: ['1.0', '1.0'], ref: { forward: (a, b) => a + b, backward: [() => 1, () => 1] } },
  sub: { name: 'sub', arity: 2, forward: 'a - b', backward: ['1.0', '-1.0'], ref: { forward: (a, b) => a - b, backward: [() => 1, () => -1] } },
  mul: { name: 'mul', arity: 2, forward: 'a * b', backward: ['b', 'a'], ref: { forward: (a, b) => a * b, backward: [(_a, b) => b, (a) => a] } },
  /** out = s·a */
  scale: { name: 'scale', arity: 1, scalar: true, forward: 's * a', backward: ['s'], ref: { forward: (a, _b, s) => s * a, backward: [(_a, _b, s) => s] } },
  /** out = a + s·b (scaled residual, LoRA-style merges) */
  axpy: {
    name: 'axpy', arity: 2, scalar: true, forward: 'a + s * b', backward: ['1.0', 's'],
    ref: { forward: (a, b, s) => a + s * b, backward: [() => 1, (_a, _b, s) => s] },
  },
  silu: { name: 'silu', arity: 1, forward: 'silu(a)', backward: ['dsilu(a)'], ref: { forward: silu, backward: [dsilu] } },
  gelu_tanh: { name: 'gelu_tanh', arity: 1, forward: 'gelu_tanh(a)', backward: ['dgelu_tanh(a)'], ref: { forward: gelu, backward: [dgelu] } },
  /** Llama MLP: out = silu(gate)·up with a = gate, b = up */
  swiglu: {
    name: 'swiglu', arity: 2, forward: 'silu(a) * b', backward: ['dsilu(a) * b', 'silu(a)'],
    ref: { forward: (a, b) => silu(a) * b, backward: [(a, b) => dsilu(a) * b, (a) => silu(a)] },
  },
} as const satisfies Record<string, ElementwiseOp>;

export type OpName = keyof typeof OPS;

/** An op by name, or with its scalar: `{ name: 'scale', scalar: 0.125 }`. */
export type OpRef = OpName | { name: OpName; scalar: number };

export function resolveOp(op: OpRef, where: string): { op: ElementwiseOp; s: number } {
  const name = typeof op === 'string' ? op : op.name;
  const row: ElementwiseOp | undefined = (OPS as Record<string, ElementwiseOp>)[name];
  if (!row) throw new Error(`${where}: unknown element-wise op '${name}' (known: ${Object.keys(OPS).join(', ')})`);
  const s = typeof op === 'string' ? NaN : op.scalar;
  if (row.scalar && !Number.isFinite(s)) throw new Error(`${where}: op '${name}' needs a finite scalar: pass { name: '${name}', scalar }`);
  return { op: row, s: row.scalar ? s : 0 };
}
