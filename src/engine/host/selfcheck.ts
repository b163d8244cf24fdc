// A user-visible kernel self-check (Model screen): runs one tiny case of EVERY kernel family on
// this device and compares it with its CPU reference, so a user with an unusual GPU/driver
// sees at once whether results are trustworthy before spending time on a run.
// Families: matmul (plain, Bᵀ, packed bf16 and f16 weights), LoRA linear, RMSNorm,
// LayerNorm, RoPE, elementwise (SwiGLU), bias, embedding, attention (forward + the three
// backward kernels), cross-entropy, InfoNCE, L2 normalise, grad norm + clip + AdamW.
// Shapes are tiny and odd (a few hundred elements): the cost is pipeline compilation.
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { attentionBackward, attentionForward } from '../kernels/attention/attention.ts';
import { attentionBackwardRef, attentionForwardRef } from '../kernels/attention/attention.ref.ts';
import { addBiasForward } from '../kernels/elementwise/bias.ts';
import { addBiasForwardRef } from '../kernels/elementwise/bias.ref.ts';
import { elementwiseForward } from '../kernels/elementwise/elementwise.ts';
import { elementwiseForwardRef } from '../kernels/elementwise/elementwise.ref.ts';
import { embeddingForward } from '../kernels/embedding/embedding.ts';
import { embeddingForwardRef } from '../kernels/embedding/embedding.ref.ts';
import { roundTrip, uploadHalves } from '../kernels/packed/packed.ts';
import { loraLinearForward } from '../kernels/lora/lora.ts';
import { loraLinearForwardRef } from '../kernels/lora/lora.ref.ts';
import { crossEntropyForward } from '../kernels/loss/cross_entropy.ts';
import { crossEntropyForwardRef } from '../kernels/loss/cross_entropy.ref.ts';
import { infoNceForward } from '../kernels/loss/infonce.ts';
import { infoNceForwardRef } from '../kernels/loss/infonce.ref.ts';
import { l2NormalizeForward } from '../kernels/loss/l2norm.ts';
import { l2NormalizeForwardRef } from '../kernels/loss/l2norm.ref.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { matmulRef } from '../kernels/matmul/matmul.ref.ts';
import { layerNormForward } from '../kernels/norm/layernorm.ts';
import { layerNormForwardRef } from '../kernels/norm/layernorm.ref.ts';
import { rmsNormForward } from '../kernels/norm/rmsnorm.ts';
import { rmsNormForwardRef } from '../kernels/norm/rmsnorm.ref.ts';
import { adamwStep, clipScaleFromNorm, globalGradNorm } from '../kernels/optim/adamw.ts';
import { adamwStepRef, clipScaleRef, gradNormSqRef } from '../kernels/optim/adamw.ref.ts';
import { ropeForward } from '../kernels/rope/rope.ts';
import { ropeForwardRef } from '../kernels/rope/rope.ref.ts';
import { randn } from '../util/random.ts';

export interface SelfCheck {
  name: string;
  maxAbsErr: number;
  ok: boolean;
}

/** Every family the check runs. */
export const SELF_CHECK_FAMILIES = [
  'matmul', 'lora', 'rmsnorm', 'layernorm', 'rope', 'elementwise', 'bias', 'embedding',
  'attention', 'cross-entropy', 'infonce', 'l2norm', 'adamw',
] as const;

const TOL = 1e-3;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

/** One case: uploads through `up`, runs, returns [gpu results, cpu references] to compare pairwise. */
type Case = (ctx: GpuContext, up: (x: Float32Array | Int32Array | Uint32Array, shape: readonly number[]) => GpuTensor,
  empty: (shape: readonly number[]) => GpuTensor) => Promise<[ArrayLike<number>[], ArrayLike<number>[]]>;

const f64 = (n: number) => new Float64Array(n);
const ids = (n: number, V: number, seed: number) => Uint32Array.from(randn(n, seed), (x) => Math.floor(Math.abs(x) * 997) % V);

function matmulCase(M: number, K: number, N: number, transB: boolean, packed: 'bf16' | 'f16' | null): Case {
  return async (ctx, up, empty) => {
    const a = randn(M * K, 1), b = randn(K * N, 2);
    const bShape = transB ? [N, K] : [K, N];
    const want = { data: new Float32Array(M * N), shape: [M, N] };
    matmulRef(want, { data: a, shape: [M, K] }, { data: packed ? roundTrip(b, packed) : b, shape: bShape }, { transB });
    const gb = packed ? uploadHalves(ctx, b, bShape, `selfcheck.b.${packed}`, packed) : up(b, bShape);
    const c = empty([M, N]);
    matmul(ctx, c, up(a, [M, K]), gb, { transB });
    const got = await ctx.read(c);
    if (packed) ctx.release(gb);
    return [[got], [want.data]];
  };
}

const CASES: [string, Case][] = [
  ['matmul 33x65x17', matmulCase(33, 65, 17, false, null)],
  ['matmul 64x96x130 (Bᵀ)', matmulCase(64, 96, 130, true, null)],
  ['lora linear N=5 in=24 out=18 r=3', async (ctx, up, empty) => {
    const d = { N: 5, inF: 24, outF: 18, r: 3 };
    const x = randn(d.N * d.inF, 3), W = randn(d.outF * d.inF, 4), A = randn(d.r * d.inF, 5), B = randn(d.outF * d.r, 6);
    const y = f64(d.N * d.outF), u = f64(d.N * d.r);
    loraLinearForwardRef(y, u, x, W, A, B, d, { scale: 0.5 });
    const Y = empty([d.N, d.outF]), U = empty([d.N, d.r]);
    loraLinearForward(ctx, Y, U, up(x, [d.N, d.inF]), up(W, [d.outF, d.inF]), up(A, [d.r, d.inF]), up(B, [d.outF, d.r]), { scale: 0.5 });
    return [[await ctx.read(Y)], [y]];
  }],
  ['rmsnorm 7x33', async (ctx, up, empty) => {
    const x = randn(7 * 33, 7), w = randn(33, 8);
    const y = f64(7 * 33), r = f64(7);
    rmsNormForwardRef(y, r, x, w, { eps: 1e-5 });
    const Y = empty([7, 33]), R = empty([7]);
    rmsNormForward(ctx, Y, R, up(x, [7, 33]), up(w, [33]), { eps: 1e-5 });
    return [[await ctx.read(Y)], [y]];
  }],
  ['layernorm 5x40', async (ctx, up, empty) => {
    const x = randn(5 * 40, 9).map((v) => v + 2), w = randn(40, 10), b = randn(40, 11);
    const y = f64(5 * 40), m = f64(5), r = f64(5);
    layerNormForwardRef(y, m, r, x, w, b, { eps: 1e-6 });
    const Y = empty([5, 40]), M = empty([5]), R = empty([5]);
    layerNormForward(ctx, Y, M, R, up(x, [5, 40]), up(w, [40]), up(b, [40]), { eps: 1e-6 });
    return [[await ctx.read(Y)], [y]];
  }],
  ['rope 6 rows × 2 heads × 8', async (ctx, up) => {
    const o = { heads: 2, headDim: 8, theta: 10000 };
    const x = randn(6 * 16, 12), pos = Uint32Array.from([0, 1, 2, 5, 9, 30]);
    const want = Float64Array.from(x);
    ropeForwardRef(want, pos, o);
    const X = up(x, [6, 16]);
    ropeForward(ctx, X, up(pos, [6]), o);
    return [[await ctx.read(X)], [want]];
  }],
  ['elementwise swiglu 77', async (ctx, up, empty) => {
    const a = randn(77, 13), b = randn(77, 14), want = f64(77);
    elementwiseForwardRef('swiglu', want, a, b);
    const out = empty([77]);
    elementwiseForward(ctx, 'swiglu', out, up(a, [77]), up(b, [77]));
    return [[await ctx.read(out)], [want]];
  }],
  ['bias 9x13', async (ctx, up, empty) => {
    const x = randn(9 * 13, 15), b = randn(13, 16), want = f64(9 * 13);
    addBiasForwardRef(want, x, b);
    const out = empty([9, 13]);
    addBiasForward(ctx, out, up(x, [9, 13]), up(b, [13]));
    return [[await ctx.read(out)], [want]];
  }],
  ['embedding 11 rows of 20×9', async (ctx, up, empty) => {
    const table = randn(20 * 9, 17), i = ids(11, 20, 18), want = new Float32Array(11 * 9);
    embeddingForwardRef(want, i, table, 9);
    const out = empty([11, 9]);
    embeddingForward(ctx, out, up(i, [11]), up(table, [20, 9]));
    return [[await ctx.read(out)], [want]];
  }],
  ['attention fwd+bwd B1 T5 S7 Hq4 Hkv2 D12 causal', async (ctx, up, empty) => {
    const o = { B: 1, T: 5, S: 7, Hq: 4, Hkv: 2, D: 12, causal: true };
    const nq = o.T * o.Hq * o.D, nk = o.S * o.Hkv * o.D;
    const q = randn(nq, 19), k = randn(nk, 20), v = randn(nk, 21), dout = randn(nq, 22);
    const out = f64(nq), lse = f64(o.Hq * o.T);
    attentionForwardRef(out, lse, q, k, v, null, o);
    const g = { dq: f64(nq), dk: f64(nk), dv: f64(nk) };
    attentionBackwardRef(g, dout, q, k, v, out, lse, null, o);
    const [Q, K, V] = [up(q, [1, o.T, o.Hq, o.D]), up(k, [1, o.S, o.Hkv, o.D]), up(v, [1, o.S, o.Hkv, o.D])];
    const OUT = empty(Q.shape), LSE = empty([1, o.Hq, o.T]);
    attentionForward(ctx, OUT, LSE, Q, K, V, null, o);
    const G = { dq: up(new Float32Array(nq), Q.shape), dk: up(new Float32Array(nk), K.shape), dv: up(new Float32Array(nk), V.shape) };
    attentionBackward(ctx, G, up(dout, Q.shape), Q, K, V, OUT, LSE, null, o);
    return [[await ctx.read(OUT), await ctx.read(G.dq), await ctx.read(G.dk), await ctx.read(G.dv)], [out, g.dq, g.dk, g.dv]];
  }],
  ['cross-entropy n=6 hidden=10 vocab=37', async (ctx, up, empty) => {
    const d = { n: 6, hidden: 10, vocab: 37 };
    const h = randn(d.n * d.hidden, 23), W = randn(d.vocab * d.hidden, 24);
    const labels = Int32Array.from(ids(d.n, d.vocab, 25));
    const loss = f64(1), lse = f64(d.n);
    crossEntropyForwardRef(loss, lse, h, W, labels, d);
    const L = empty([1]), LSE = empty([d.n]);
    crossEntropyForward(ctx, L, LSE, up(h, [d.n, d.hidden]), up(W, [d.vocab, d.hidden]), up(labels, [d.n]));
    return [[await ctx.read(L), await ctx.read(LSE)], [loss, lse]];
  }],
  ['infonce n=6 d=10', async (ctx, up, empty) => {
    const d = { n: 6, d: 10, logTau: Math.log(0.05) };
    const img = randn(d.n * d.d, 26, 0.3), txt = randn(d.n * d.d, 27, 0.3);
    const loss = f64(1), probs = f64(2 * d.n * d.n);
    infoNceForwardRef(loss, probs, img, txt, d);
    const L = empty([1]), P = empty([2, d.n, d.n]);
    infoNceForward(ctx, L, P, up(img, [d.n, d.d]), up(txt, [d.n, d.d]), { logTau: up(Float32Array.of(d.logTau), [1]) });
    return [[await ctx.read(L), await ctx.read(P)], [loss, probs]];
  }],
  ['l2norm 5x19', async (ctx, up, empty) => {
    const x = randn(5 * 19, 28), y = f64(5 * 19), n = f64(5);
    l2NormalizeForwardRef(y, n, x, { n: 5, d: 19 });
    const Y = empty([5, 19]), N = empty([5]);
    l2NormalizeForward(ctx, Y, N, up(x, [5, 19]));
    return [[await ctx.read(Y), await ctx.read(N)], [y, n]];
  }],
  ['adamw + grad norm + clip, 2 tensors', async (ctx, up, empty) => {
    const o = { lr: 1e-2, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1, step: 3 };
    const sizes = [7, 130];
    const p = sizes.map((n, i) => randn(n, 30 + i)), g = sizes.map((n, i) => randn(n, 40 + i));
    const m = sizes.map((n, i) => randn(n, 50 + i, 0.1)), v = sizes.map((n, i) => randn(n, 60 + i, 0.1).map(Math.abs));
    const P = p.map((x) => up(x, [x.length])), G = g.map((x) => up(x, [x.length]));
    const Mt = m.map((x) => up(x, [x.length])), Vt = v.map((x) => up(x, [x.length]));
    const normSq = up(new Float32Array(1), [1]), scale = empty([1]);
    globalGradNorm(ctx, normSq, G);
    clipScaleFromNorm(ctx, scale, normSq, 1);
    P.forEach((_, i) => adamwStep(ctx, P[i], G[i], Mt[i], Vt[i], scale, o));
    const s = clipScaleRef(gradNormSqRef(g), 1);
    const want = p.map((x, i) => {
      const r = Float64Array.from(x);
      adamwStepRef(r, g[i], Float64Array.from(m[i]), Float64Array.from(v[i]), s, o);
      return r;
    });
    return [await Promise.all(P.map((t) => ctx.read(t))), want];
  }],
];

export async function runSelfCheck(ctx: GpuContext): Promise<{ checks: SelfCheck[] }> {
  const cases: [string, Case][] = [
    ...CASES,
    ['matmul 17x40x9 (bf16 weights)', matmulCase(17, 40, 9, true, 'bf16')],
    ['matmul 17x40x9 (f16 weights)', matmulCase(17, 40, 9, true, 'f16')],
  ];
  const checks: SelfCheck[] = [];
  for (const [name, run] of cases) {
    const live: GpuTensor[] = [];
    const up = (x: Float32Array | Int32Array | Uint32Array, shape: readonly number[]) => {
      const t = ctx.upload(x, shape, 'selfcheck.in'); // dtype from the array: f32, i32, u32
      live.push(t);
      return t;
    };
    const empty = (shape: readonly number[]) => {
      const t = ctx.empty(shape, 'selfcheck.out');
      live.push(t);
      return t;
    };
    try {
      const [got, want] = await run(ctx, up, empty);
      const err = Math.max(...got.map((g, i) => maxAbsDiff(g, want[i])));
      checks.push({ name, maxAbsErr: err, ok: err < TOL });
    } catch (e) {
      // a kernel that throws on this device fails its row, saying why
      checks.push({ name: `${name}: ${(e as Error).name}: ${(e as Error).message}`, maxAbsErr: Infinity, ok: false });
    } finally {
      ctx.release(...live);
    }
  }
  return { checks };
}
