// Rung (ii): every op of the table on the GPU vs its CPU reference, forward and backward with
// a random upstream gradient accumulating into non-zero grads; sizes 1, 65, 70001 (not a
// multiple of 256); null grads; extreme activation inputs; aliasing refused.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { KernelArgumentError } from '../args.ts';
import { elementwiseBackward, elementwiseForward } from './elementwise.ts';
import { elementwiseBackwardRef, elementwiseForwardRef } from './elementwise.ref.ts';
import { OPS, type OpName, type OpRef } from './ops.ts';

const refOf = (name: OpName): OpRef => ((OPS[name] as { scalar?: boolean }).scalar ? { name, scalar: 0.125 } : name);

describe('element-wise GPU vs CPU', () => {
  const gpu = useGpu();
  for (const name of Object.keys(OPS) as OpName[]) {
    for (const n of [1, 65, 70001]) {
      test(`${name} n=${n}`, async () => {
        const ctx = gpu();
        const op = OPS[name];
        const ins = Array.from({ length: op.arity }, (_, j) => randn(n, 60 + j, 2));
        if (n > 8) ins[0].set([30, -30, 100, -100, 1e4, -1e4, 1e20, -1e20]); // saturated tails
        const dout = randn(n, 70);
        const g0 = ins.map((_, j) => randn(n, 80 + j));
        const outRef = new Float64Array(n);
        elementwiseForwardRef(refOf(name), outRef, ...ins);
        const gRef = g0.map((g) => Float64Array.from(g));
        elementwiseBackwardRef(refOf(name), gRef, dout, ...ins);

        const IN = ins.map((a, j) => ctx.upload(a, [n], `in${j}`));
        const G = g0.map((g, j) => ctx.upload(g, [n], `g${j}`));
        const D = ctx.upload(dout, [n], 'dout');
        const OUT = ctx.empty([n], 'out');
        elementwiseForward(ctx, refOf(name), OUT, ...IN);
        elementwiseBackward(ctx, refOf(name), G, D, ...IN);
        // 1e20: ref products like 1e20·b exceed f32 range only for mul-type ops, where the
        // GPU gives ±inf/large values consistent with f32; compare with relative tolerance
        expectClose(await ctx.read(OUT), Float32Array.from(outRef), `${name} forward`);
        for (let j = 0; j < G.length; j++) expectClose(await ctx.read(G[j]), Float32Array.from(gRef[j]), `${name} d${'ab'[j]}`);
        ctx.release(...IN, ...G, D, OUT);
      });
    }
  }

  test('null grads: swiglu with only d(up), mul with only d(a)', async () => {
    const ctx = gpu();
    const n = 300;
    const a = randn(n, 1), b = randn(n, 2), d = randn(n, 3), g = randn(n, 4);
    for (const [name, slot] of [['swiglu', 1], ['mul', 0]] as const) {
      const ref = Float64Array.from(g);
      const grads = [null, null] as (Float64Array | null)[];
      grads[slot] = ref;
      elementwiseBackwardRef(name, grads, d, a, b);
      const A = ctx.upload(a, [n], 'a'), B = ctx.upload(b, [n], 'b'), D = ctx.upload(d, [n], 'd'), Gt = ctx.upload(g, [n], 'g');
      const gg = [null, null] as (typeof Gt | null)[];
      gg[slot] = Gt;
      elementwiseBackward(ctx, name, gg, D, A, B);
      expectClose(await ctx.read(Gt), ref, `${name} grad slot ${slot}`);
      ctx.release(A, B, D, Gt);
    }
  });

  test('argument errors are typed and name the tensor', () => {
    const ctx = gpu();
    const a = ctx.empty([4, 8], 'resid'), b = ctx.empty([4, 7], 'mlp_out'), o = ctx.empty([4, 8], 'h');
    expect(() => elementwiseForward(ctx, 'add', o, a, b)).toThrow(/input b is mlp_out\[4,7\]/);
    expect(() => elementwiseForward(ctx, 'add', o, a)).toThrow(KernelArgumentError);
    expect(() => elementwiseForward(ctx, 'add', a, a, o)).toThrow(/shares its GPU buffer/);
    expect(() => elementwiseForward(ctx, 'scale', o, a)).toThrow(/needs a finite scalar/);
    expect(() => elementwiseBackward(ctx, 'mul', [a, a], o, o, b)).toThrow(KernelArgumentError);
    ctx.release(a, b, o);
  });
});
