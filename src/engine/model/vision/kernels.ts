/**
 * Launchers of the three small vision-only WGSL kernels (the GEMMs, norms, attention and
 * element-wise ops come from src/engine/kernels). Outputs first, then inputs (kernels/README).
 *
 *   im2colForward(ctx, cols, pixels, { C, S, p })     pixels [M,C,S,S] → cols [M·L, C·p·p]
 *   addPositionForward(ctx, x, pos)                   x [M·L, D] += pos [L, D] (broadcast, in place)
 *   pixelShuffleForward(ctx, out, x, { n, s })        x [M, n², D] → out [M, n²/s², s²·D]
 *
 * Backward (to pretrain the tower; tower_train.ts). All accumulate (grad += …), all are
 * deterministic gathers or fixed-order sums (no atomics):
 *   im2colBackward(ctx, dPixels, dCols, { C, S, p })  dPixels [M,C,S,S] += col2im(dCols [M·L, C·p·p])
 *   addPositionBackward(ctx, dPos, dx)                dPos [L, D] += Σ_m dx [M·L, D]
 *   pixelShuffleBackward(ctx, dx, dOut, { n, s })     dx [M, n², D] += unshuffle(dOut [M, n²/s², s²·D])
 * Forward shuffle and im2col are permutations (non-overlapping patches), so their backward is
 * the inverse permutation.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { shapeStr, u32, type GpuTensor } from '../../gpu/tensor.ts';
import im2colCode from './im2col.wgsl?raw';
import addPosCode from './add_pos.wgsl?raw';
import shuffleCode from './pixel_shuffle.wgsl?raw';
import im2colBwdCode from './im2col_backward.wgsl?raw';
import addPosBwdCode from './add_pos_backward.wgsl?raw';
import shuffleBwdCode from './pixel_shuffle_backward.wgsl?raw';

const FILE = 'model/vision/kernels.ts';

export class VisionKernelError extends Error {
  override readonly name = 'VisionKernelError';
  constructor(where: string, detail: string) {
    super(`${FILE}:${where}: ${detail}`);
  }
}

function expectSize(where: string, what: string, t: GpuTensor, n: number): void {
  if (t.size !== n) throw new VisionKernelError(where, `${what} ${shapeStr(t)} has ${t.size} elements, expected ${n}`);
}

const groups = (ctx: GpuContext, total: number) => ctx.grid(Math.ceil(total / 256));

export function im2colForward(ctx: GpuContext, cols: GpuTensor, pixels: GpuTensor, o: { C: number; S: number; p: number }): void {
  const where = 'im2colForward';
  if (o.S % o.p !== 0) throw new VisionKernelError(where, `patch ${o.p} does not divide image side ${o.S}`);
  const img = o.C * o.S * o.S;
  if (pixels.size % img !== 0) throw new VisionKernelError(where, `pixels ${shapeStr(pixels)} is not a whole number of [${o.C},${o.S},${o.S}] images`);
  const M = pixels.size / img, n = o.S / o.p;
  const total = M * n * n * o.C * o.p * o.p;
  expectSize(where, 'cols', cols, total);
  if (total === 0) return;
  ctx.dispatch({
    name: 'vision_im2col', code: im2colCode, layout: ['uniform', 'rw', 'read'],
    bindings: [cols, pixels], params: [u32(total), u32(o.C), u32(o.S), u32(o.p), u32(n)],
    workgroups: groups(ctx, total),
  });
}

export function addPositionForward(ctx: GpuContext, x: GpuTensor, pos: GpuTensor): void {
  const where = 'addPositionForward';
  if (pos.size === 0 || x.size % pos.size !== 0) {
    throw new VisionKernelError(where, `x ${shapeStr(x)} is not a whole number of position tables ${shapeStr(pos)}`);
  }
  if (x.size === 0) return;
  ctx.dispatch({
    name: 'vision_add_pos', code: addPosCode, layout: ['uniform', 'rw', 'read'],
    bindings: [x, pos], params: [u32(x.size), u32(pos.size)], workgroups: groups(ctx, x.size),
  });
}

export function pixelShuffleForward(ctx: GpuContext, out: GpuTensor, x: GpuTensor, o: { n: number; s: number }): void {
  const where = 'pixelShuffleForward';
  if (o.n % o.s !== 0) throw new VisionKernelError(where, `scale factor ${o.s} does not divide the patch grid side ${o.n}`);
  const L = o.n * o.n;
  const D = x.shape[x.shape.length - 1];
  if (x.size % (L * D) !== 0) throw new VisionKernelError(where, `x ${shapeStr(x)} is not [M, ${L}, D]`);
  expectSize(where, 'out', out, x.size);
  if (x.size === 0) return;
  ctx.dispatch({
    name: 'vision_pixel_shuffle', code: shuffleCode, layout: ['uniform', 'rw', 'read'],
    bindings: [out, x], params: [u32(x.size), u32(D), u32(o.s), u32(o.n)], workgroups: groups(ctx, x.size),
  });
}

export function im2colBackward(ctx: GpuContext, dPixels: GpuTensor, dCols: GpuTensor, o: { C: number; S: number; p: number }): void {
  const where = 'im2colBackward';
  if (o.S % o.p !== 0) throw new VisionKernelError(where, `patch ${o.p} does not divide image side ${o.S}`);
  const img = o.C * o.S * o.S;
  if (dPixels.size % img !== 0) throw new VisionKernelError(where, `dPixels ${shapeStr(dPixels)} is not a whole number of [${o.C},${o.S},${o.S}] images`);
  expectSize(where, 'dCols', dCols, dPixels.size); // a permutation: as many column entries as pixels
  if (dPixels.size === 0) return;
  ctx.dispatch({
    name: 'vision_im2col_backward', code: im2colBwdCode, layout: ['uniform', 'rw', 'read'],
    bindings: [dPixels, dCols], params: [u32(dPixels.size), u32(o.C), u32(o.S), u32(o.p), u32(o.S / o.p)],
    workgroups: groups(ctx, dPixels.size),
  });
}

export function addPositionBackward(ctx: GpuContext, dPos: GpuTensor, dx: GpuTensor): void {
  const where = 'addPositionBackward';
  if (dPos.size === 0 || dx.size % dPos.size !== 0) {
    throw new VisionKernelError(where, `dx ${shapeStr(dx)} is not a whole number of position tables ${shapeStr(dPos)}`);
  }
  if (dx.size === 0) return;
  ctx.dispatch({
    name: 'vision_add_pos_backward', code: addPosBwdCode, layout: ['uniform', 'rw', 'read'],
    bindings: [dPos, dx], params: [u32(dPos.size), u32(dx.size / dPos.size)], workgroups: groups(ctx, dPos.size),
  });
}

export function pixelShuffleBackward(ctx: GpuContext, dx: GpuTensor, dOut: GpuTensor, o: { n: number; s: number }): void {
  const where = 'pixelShuffleBackward';
  if (o.n % o.s !== 0) throw new VisionKernelError(where, `scale factor ${o.s} does not divide the patch grid side ${o.n}`);
  const L = o.n * o.n;
  const D = dx.shape[dx.shape.length - 1];
  if (dx.size % (L * D) !== 0) throw new VisionKernelError(where, `dx ${shapeStr(dx)} is not [M, ${L}, D]`);
  expectSize(where, 'dOut', dOut, dx.size);
  if (dx.size === 0) return;
  ctx.dispatch({
    name: 'vision_pixel_shuffle_backward', code: shuffleBwdCode, layout: ['uniform', 'rw', 'read'],
    bindings: [dx, dOut], params: [u32(dx.size), u32(D), u32(o.s), u32(o.n)], workgroups: groups(ctx, dx.size),
  });
}
