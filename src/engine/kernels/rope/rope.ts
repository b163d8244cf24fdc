// RoPE launchers (HF Llama rotate_half), in place on q or k [rows, heads, headDim]
// (any leading shape of size rows·heads·headDim); positions u32 [rows] carry each row's
// absolute position, so left padding and KV-cache offsets are the caller's choice.
//   ropeForward(ctx, x, positions, { heads, headDim, theta })
//   ropeBackward(ctx, dx, positions, { heads, headDim, theta })   — inverse rotation in place
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

function run(ctx: GpuContext, where: string, x: GpuTensor, positions: GpuTensor, o: RopeOptions, inverse: boolean): void {
  const { heads, headDim, theta } = o;
  if (!(headDim > 0 && headDim % 2 === 0) || !(heads > 0) || !(theta > 0)) {
    throw new KernelArgumentError(where, `needs an even headDim > 0, heads > 0 and theta > 0; got headDim=${headDim} heads=${heads} theta=${theta}`);
  }
  if (o.invFreq && o.invFreq.length !== headDim / 2) {
    throw new KernelArgumentError(where, `invFreq has ${o.invFreq.length} values but headDim/2 = ${headDim / 2}`);
  }
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
    params: [u32(n), u32(heads), u32(headDim / 2)],
    workgroups: ctx.grid(Math.ceil(n / 256)),
  });
}

export function ropeForward(ctx: GpuContext, x: GpuTensor, positions: GpuTensor, opts: RopeOptions): void {
  run(ctx, `${FILE}:ropeForward`, x, positions, opts, false);
}

export function ropeBackward(ctx: GpuContext, dx: GpuTensor, positions: GpuTensor, opts: RopeOptions): void {
  run(ctx, `${FILE}:ropeBackward`, dx, positions, opts, true);
}
