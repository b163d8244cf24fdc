// Chunked next-token cross-entropy over a large vocabulary (never an [N,V] logits tensor).
//   h [N,H] final hidden states, W = lm_head.weight [V,H] (HF layout, logits = h·Wᵀ),
//   labels i32 [N] (−100 = ignore), lossOut [1] = mean over valid rows of lse − z[label],
//   lse [N] saved for backward (computed for ignored rows too).
// The vocabulary is walked in chunks of C rows of W: W_c = ctx.view(W, v0·H, [cols,H]) — views
// must start 256-byte aligned, so C·H·4 must be a multiple of 256 (C·H ≡ 0 mod 64); the last
// chunk is a shorter view. Per chunk one [N,C] logits temporary (reused), one matmul and one
// small kernel; backward recomputes the chunk logits instead of storing them.
// Default C: the largest multiple of 64 with N·C ≤ 4M floats (16 MiB), capped at V rounded up.
// W may be split in row parts (gpu/split.ts: a table above the binding limit): the chunks run
// inside each part, the online logsumexp merges them all. W may be a packed bf16/f16 frozen weight (kernels/packed): its views start at 256-byte
// boundaries of 2-byte elements, so C·H ≡ 0 mod 128 and the default C is a multiple of 128.
import type { GpuContext } from '../../gpu/context.ts';
import { byteOffset, elementBytes, f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { weightDtype } from '../packed/packed.ts';
import { rowParts } from '../../gpu/split.ts';
import { matmul } from '../matmul/matmul.ts';
import { checkTensor, dims2, KernelArgumentError } from '../args.ts';
import fwd from './cross_entropy.wgsl?raw';
import bwd from './cross_entropy_backward.wgsl?raw';

export interface CrossEntropyOptions {
  /** Vocab rows per chunk; C·H must be a multiple of 64 (256-byte view alignment). */
  chunk?: number;
}

export interface CrossEntropyGrads {
  dh: GpuTensor | null;
  dW: GpuTensor | null;
}

const LOGITS_BUDGET = 4 * 1024 * 1024; // floats in the per-chunk logits temporary

/** Chunk size used for N rows, vocab V, hidden H (exported for tests and benchmarks). */
export function crossEntropyChunk(
  n: number, v: number, hidden: number, chunk?: number, where = 'cross_entropy.ts', elementBytes = 4,
): number {
  const per = 256 / elementBytes; // elements per 256 bytes: 64 (f32) or 128 (bf16/f16)
  if (chunk !== undefined) {
    if (!Number.isInteger(chunk) || chunk < 1) throw new KernelArgumentError(where, `chunk must be a positive integer, got ${chunk}`);
    if ((chunk * hidden) % per !== 0) {
      const step = per / gcd(hidden, per);
      throw new KernelArgumentError(where, `chunk ${chunk} × hidden ${hidden} × ${elementBytes} bytes is not a multiple of 256 (view alignment); use a multiple of ${step}`);
    }
    return chunk;
  }
  const fit = Math.max(per, Math.floor(LOGITS_BUDGET / Math.max(1, n) / per) * per);
  return Math.min(fit, Math.ceil(v / per) * per);
}

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

function prepare(where: string, h: GpuTensor, W: GpuTensor, labels: GpuTensor, lse: GpuTensor, o: CrossEntropyOptions) {
  const [n, hidden] = dims2(where, 'h', h);
  if (W.shape.length !== 2) throw new KernelArgumentError(where, `W ${W.label}[${W.shape}] should be 2-D [V, H]`);
  weightDtype(W); // f32, bf16 or f16
  const [v, hw] = W.shape;
  if (hw !== hidden) throw new KernelArgumentError(where, `W ${W.label}[${W.shape}] has ${hw} columns but h ${h.label} has hidden ${hidden}`);
  checkTensor(where, 'labels', labels, [n], 'i32');
  checkTensor(where, 'lse', lse, [n]);
  if (byteOffset(W) % 256 !== 0) throw new KernelArgumentError(where, `W ${W.label} starts at an unaligned offset`);
  return { n, hidden, v, chunk: crossEntropyChunk(n, v, hidden, o.chunk, where, elementBytes(W.dtype)) };
}

/** Walks the vocab chunks (inside each row part of a split W): yields [v0, cols, W_c view,
 * logits view]. */
function* chunks(ctx: GpuContext, W: GpuTensor, logits: GpuTensor, n: number, hidden: number, chunk: number) {
  for (const { part, row0 } of rowParts(W)) {
    const rows = part.shape[0];
    for (let r = 0; r < rows; r += chunk) {
      const cols = Math.min(chunk, rows - r), v0 = row0 + r;
      yield {
        v0, cols,
        Wc: ctx.view(part, r * hidden, [cols, hidden], `${W.label}[${v0}:${v0 + cols}]`),
        z: ctx.view(logits, 0, [n, cols], 'ce.logits'),
      };
    }
  }
}

export function crossEntropyForward(
  ctx: GpuContext, lossOut: GpuTensor, lse: GpuTensor, h: GpuTensor, W: GpuTensor, labels: GpuTensor, o: CrossEntropyOptions = {},
): void {
  const where = 'cross_entropy.ts crossEntropyForward';
  const { n, hidden, v, chunk } = prepare(where, h, W, labels, lse, o);
  checkTensor(where, 'lossOut', lossOut, [1]);
  if (n === 0) { ctx.clear(lossOut); return; }
  const state = ctx.empty([3, n], 'ce.state');
  const logits = ctx.empty([n, Math.min(chunk, v)], 'ce.logits');
  const run = (entry: string, cols: number, v0: number, z: GpuTensor, workgroups: readonly [number, number?]) =>
    ctx.dispatch({
      name: `cross_entropy_${entry}`, code: fwd, entry, layout: ['uniform', 'rw', 'rw', 'rw', 'read', 'read'],
      bindings: [state, lse, lossOut, z, labels], params: [u32(n), u32(cols), u32(v0), u32(v)], workgroups,
    });
  run('init', 0, 0, logits, ctx.grid(Math.ceil(n / 64)));
  for (const c of chunks(ctx, W, logits, n, hidden, chunk)) {
    matmul(ctx, c.z, h, c.Wc, { transB: true });
    run('update', c.cols, c.v0, c.z, ctx.grid(n));
  }
  run('finish', 0, 0, logits, [1]);
  ctx.release(state, logits);
}

/** dh += ∂(dLoss·loss)/∂h, dW += ∂(dLoss·loss)/∂W (either may be null). */
export function crossEntropyBackward(
  ctx: GpuContext, grads: CrossEntropyGrads, dLoss: number, h: GpuTensor, W: GpuTensor, labels: GpuTensor, lse: GpuTensor,
  o: CrossEntropyOptions = {},
): void {
  const where = 'cross_entropy.ts crossEntropyBackward';
  const { n, hidden, v, chunk } = prepare(where, h, W, labels, lse, o);
  if (grads.dh) checkTensor(where, 'dh', grads.dh, [n, hidden]);
  if (grads.dW) checkTensor(where, 'dW', grads.dW, [v, hidden]);
  if (grads.dW && W.dtype !== 'f32') throw new KernelArgumentError(where, `dW asked for the packed (frozen) ${W.dtype} weight ${W.label}`);
  if (n === 0 || (!grads.dh && !grads.dW)) return;
  const cnt = ctx.empty([1], 'ce.validCount');
  const logits = ctx.empty([n, Math.min(chunk, v)], 'ce.logits');
  const run = (entry: string, cols: number, v0: number, z: GpuTensor, workgroups: readonly [number, number?]) =>
    ctx.dispatch({
      name: `cross_entropy_${entry}`, code: bwd, entry, layout: ['uniform', 'rw', 'rw', 'read', 'read'],
      bindings: [z, cnt, lse, labels], params: [u32(n), u32(cols), u32(v0), f32(dLoss)], workgroups,
    });
  run('count', 0, 0, logits, [1]);
  for (const c of chunks(ctx, W, logits, n, hidden, chunk)) {
    matmul(ctx, c.z, h, c.Wc, { transB: true });
    run('dlogits', c.cols, c.v0, c.z, ctx.grid(Math.ceil((n * c.cols) / 256)));
    if (grads.dh) matmul(ctx, grads.dh, c.z, c.Wc, { beta: 1 }); // dh += dz·W_c
    if (grads.dW) {
      const dWc = ctx.view(grads.dW, c.v0 * hidden, [c.cols, hidden], `${grads.dW.label}[${c.v0}:]`);
      matmul(ctx, dWc, c.z, h, { transA: true, beta: 1 }); // dW_c += dzᵀ·h
    }
  }
  ctx.release(cnt, logits);
}
