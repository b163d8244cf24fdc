// RoPE launchers (HF Llama rotate_half), in place on q or k [rows, heads, headDim]
// (any leading shape of size rows·heads·headDim); positions u32 [rows] carry each row's
// absolute position, so left padding and KV-cache offsets are the caller's choice.
//   ropeForward(ctx, x, positions, { heads, headDim, theta })
//   ropeBackward(ctx, dx, positions, { heads, headDim, theta })   — inverse rotation in place
//   ropePair(ctx, q, k, positions, { heads, heads2, headDim, theta }, inverse) — q (heads) and
//     k (heads2) in ONE dispatch, same rows and positions (the decoder's q/k; halves its rope
//     dispatches); q and k must be different buffers
// (backward does not accumulate: the gradient of a rotation is the rotated gradient, and it
// is applied to the gradient tensor itself, as in the kernels README contract).
// inv_freq is computed on the CPU exactly as HF does (freqs.ts) and cached per context.
import type { GpuContext } from '../../gpu/context.ts';
import { u32, type GpuTensor } from '../../gpu/tensor.ts';
import { KernelArgumentError, checkSize, rowsOf } from '../args.ts';
import { ropeInvFreq } from './freqs.ts';
import code from './rope.wgsl?raw';

const FILE = 'rope/rope.ts';

export interface RopeOptions {
  heads: number;
  headDim: number;
  theta: number;
  /** Exact inv_freq [headDim/2] to use instead of computing it (e.g. from a PyTorch golden file). */
  invFreq?: Float32Array;
}

const cache = new WeakMap<GpuContext, Map<string, GpuTensor>>();

function invFreqTensor(ctx: GpuContext, headDim: number, theta: number, given?: Float32Array): GpuTensor {
  let m = cache.get(ctx);
  if (!m) cache.set(ctx, (m = new Map()));
  const key = given ? `given:${given.join(',')}` : `${headDim}:${theta}`;
  let t = m.get(key);
  if (!t) {
    t = ctx.upload(ropeInvFreq(headDim, theta, given), [headDim / 2], `rope_inv_freq(D=${headDim},theta=${theta}${given ? ',given' : ''})`);
    m.set(key, t);
  }
  return t;
}

function check(where: string, o: RopeOptions): void {
  const { heads, headDim, theta } = o;
  if (!(headDim > 0 && headDim % 2 === 0) || !(heads > 0) || !(theta > 0)) {
    throw new KernelArgumentError(where, `needs an even headDim > 0, heads > 0 and theta > 0; got headDim=${headDim} heads=${heads} theta=${theta}`);
  }
  if (o.invFreq && o.invFreq.length !== headDim / 2) {
    throw new KernelArgumentError(where, `invFreq has ${o.invFreq.length} values but headDim/2 = ${headDim / 2}`);
  }
}

function run(ctx: GpuContext, where: string, x: GpuTensor, positions: GpuTensor, o: RopeOptions, inverse: boolean): void {
  check(where, o);
  const { heads, headDim, theta } = o;
  const rows = rowsOf(where, 'x', x, heads * headDim);
  checkSize(where, 'positions', positions, rows, 'u32');
  const n = rows * heads * (headDim / 2);
  if (n === 0) return;
  ctx.dispatch({
    name: inverse ? 'rope_backward' : 'rope_forward',
    code,
    overrides: { INVERSE: inverse ? 1 : 0 },
    layout: ['uniform', 'rw', 'read', 'read'],
    bindings: [x, positions, invFreqTensor(ctx, headDim, theta, o.invFreq)],
    params: [u32(n), u32(heads), u32(headDim / 2), u32(0), u32(0)],
    workgroups: ctx.grid(Math.ceil(n / 256)),
  });
}

/** RoPE on q [rows, heads, D] and k [rows, heads2, D] in one dispatch (inverse: backward,
 * on dq and dk). Same result as ropeForward/ropeBackward on each. */
export function ropePair(
  ctx: GpuContext, q: GpuTensor, k: GpuTensor, positions: GpuTensor, o: RopeOptions & { heads2: number }, inverse: boolean,
): void {
  const where = `${FILE}:ropePair`;
  check(where, o);
  check(where, { ...o, heads: o.heads2 });
  if (q.buffer === k.buffer) throw new KernelArgumentError(where, `q ${q.label} and k ${k.label} share a GPU buffer (both are written)`);
  const { heads, heads2, headDim, theta } = o;
  const rows = rowsOf(where, 'q', q, heads * headDim);
  const rows2 = rowsOf(where, 'k', k, heads2 * headDim);
  if (rows2 !== rows) throw new KernelArgumentError(where, `q has ${rows} rows but k has ${rows2}`);
  checkSize(where, 'positions', positions, rows, 'u32');
  const n = rows * heads * (headDim / 2), n2 = rows * heads2 * (headDim / 2);
  if (n + n2 === 0) return;
  ctx.dispatch({
    name: inverse ? 'rope_pair_backward' : 'rope_pair_forward',
    code,
    entry: 'pair',
    overrides: { INVERSE: inverse ? 1 : 0 },
    layout: ['uniform', 'rw', 'read', 'read', 'rw'],
    bindings: [q, positions, invFreqTensor(ctx, headDim, theta, o.invFreq), k],
    params: [u32(n), u32(heads), u32(headDim / 2), u32(n2), u32(heads2)],
    workgroups: ctx.grid(Math.ceil((n + n2) / 256)),
  });
}

export function ropeForward(ctx: GpuContext, x: GpuTensor, positions: GpuTensor, opts: RopeOptions): void {
  run(ctx, `${FILE}:ropeForward`, x, positions, opts, false);
}

export function ropeBackward(ctx: GpuContext, dx: GpuTensor, positions: GpuTensor, opts: RopeOptions): void {
  run(ctx, `${FILE}:ropeBackward`, dx, positions, opts, true);
}
