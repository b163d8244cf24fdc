// Memory-efficient attention (FlashAttention-2 style) forward and backward launchers.
//
//   q [B,T,Hq,D], k, v [B,S,Hkv,D], out [B,T,Hq,D], lse [B,Hq,T] (saved for backward);
//   keyMask u32 [B,S] (1 attend, 0 padding) or null; grouped-query: Hq % Hkv == 0 and query
//   head h reads KV head h / (Hq/Hkv); causal aligned at the end: query t sees key
//   s ≤ t + (S − T); scale defaults to 1/sqrt(D); D ≤ 128.
//   A query row with no visible key gets out = 0, lse = −Infinity, and zero gradient.
//
// Kernels (see the .wgsl headers; attention_common.wgsl is the prologue the three big ones
// share, attention_kv_tile.wgsl the K/V tile loader of the first two): attention.wgsl (forward, online softmax over key tiles),
// attention_delta.wgsl (Δ = rowsum(dO∘O) packed with lse), attention_backward_dq.wgsl (dq,
// loops over key tiles), attention_backward_dkdv.wgsl (dk, dv, loops over the GQA group's
// query heads and query tiles). Backward accumulates (dq += …).
// Tiles: 16 query rows × 16 keys (4 rows for T ≤ 4; fewer keys if memory runs short), 4 threads
// per row, see pickTiles. No subgroup operations, so there is a single path for every GPU.
//
// Additions to the README contract (compatible with it): any of dq/dk/dv may be null (that
// gradient is not computed); lse of a row with no visible key is −Infinity (the documented
// sentinel; backward turns it into "no gradient" without computing with infinities).
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { checkTensor, KernelArgumentError, show } from '../args.ts';
import fwdBody from './attention.wgsl?raw';
import dqBody from './attention_backward_dq.wgsl?raw';
import dkdvBody from './attention_backward_dkdv.wgsl?raw';
import common from './attention_common.wgsl?raw';
import deltaCode from './attention_delta.wgsl?raw';
import kvTile from './attention_kv_tile.wgsl?raw';

// Each big kernel = the shared prologue (overrides, Params, visibility) [+ the K/V tile
// loader of the kernels that walk key tiles] + its body.
const fwdCode = common + kvTile + fwdBody;
const dqCode = common + kvTile + dqBody;
const dkdvCode = common + dkdvBody;

export interface AttentionOptions {
  causal: boolean;
  /** Multiplies q·kᵀ; default 1/sqrt(D). */
  scale?: number;
}

export interface AttentionGrads {
  dq: GpuTensor | null;
  dk: GpuTensor | null;
  dv: GpuTensor | null;
}

/** Threads per query row (forward, dq) or per key (dk/dv); each owns D/LANES columns. */
export const LANES = 4;
/** Register accumulator slots per thread in the WGSL (MAX_DPT): D ≤ LANES · 32. */
export const MAX_HEAD_DIM = LANES * 32;
const NEG_INF_BITS = 0xff800000;

interface Dims {
  B: number;
  T: number;
  S: number;
  Hq: number;
  Hkv: number;
  D: number;
}

function checkArgs(where: string, q: GpuTensor, k: GpuTensor, v: GpuTensor, keyMask: GpuTensor | null): Dims {
  if (q.shape.length !== 4 || q.dtype !== 'f32') throw new KernelArgumentError(where, `q is ${show(q)} but should be [B,T,Hq,D] f32`);
  if (k.shape.length !== 4 || k.dtype !== 'f32') throw new KernelArgumentError(where, `k is ${show(k)} but should be [B,S,Hkv,D] f32`);
  const [B, T, Hq, D] = q.shape;
  const [, S, Hkv] = k.shape;
  checkTensor(where, 'k', k, [B, S, Hkv, D]);
  checkTensor(where, 'v', v, [B, S, Hkv, D]);
  if (Hkv === 0 || Hq % Hkv !== 0) {
    throw new KernelArgumentError(where, `query heads (${show(q)}) must be a multiple of KV heads (${show(k)})`);
  }
  if (D < 1 || D > MAX_HEAD_DIM) throw new KernelArgumentError(where, `head dim ${D} of ${show(q)} is outside 1..${MAX_HEAD_DIM}`);
  if (keyMask) checkTensor(where, 'keyMask', keyMask, [B, S], 'u32');
  return { B, T, S, Hq, Hkv, D };
}

/** The Params uniform of attention_common.wgsl (one layout for all three kernels). */
function attentionParams(d: Dims, o: AttentionOptions, keyMask: GpuTensor | null) {
  return [
    u32(d.T), u32(d.S), u32(d.Hq), u32(d.Hkv), f32(o.scale ?? 1 / Math.sqrt(d.D)),
    u32(o.causal ? 1 : 0), u32(keyMask ? 1 : 0), u32(NEG_INF_BITS),
  ];
}

/** Tile sizes (rows, cols): rows = 16 (4 when there are at most 4 rows, e.g. a decode
 * step), cols the largest of 16, 8, 4 whose workgroup memory `floats(rows, cols)` fits.
 * Deliberately few and small variants: Dawn zero-initialises workgroup memory and on
 * SwiftShader that makes pipeline compilation cost grow with its size (~5 s for 32 KiB on
 * this machine vs ~0.2 s for 1 KiB), and every (D, rows, cols) is a separate pipeline. */
function pickTiles(ctx: GpuContext, rowsWanted: number, floats: (rows: number, cols: number) => number, where: string): [number, number] {
  const budget = Math.min(ctx.caps.limits.maxComputeWorkgroupStorageSize, 32768) / 4;
  for (let rows = rowsWanted <= 4 ? 4 : 16; rows >= 1; rows /= 2) {
    for (const cols of [16, 8, 4]) if (floats(rows, cols) <= budget) return [rows, cols];
  }
  throw new KernelArgumentError(where, `no tile fits ${budget * 4} bytes of workgroup memory`);
}

// Workgroup memory in floats, mirroring the var<workgroup> declarations of each kernel
// (tile rows are vec4-padded: 4·ceil(D/4) floats).
const pad4 = (D: number) => 4 * Math.ceil(D / 4);
const fwdFloats = (D: number) => (br: number, bc: number) => 2 * bc * pad4(D) + br * bc;
const dqFloats = (D: number) => (br: number, bc: number) => 2 * bc * pad4(D) + br * bc;
// dkdv: rows = BC (keys per workgroup), cols = BR (query rows per inner tile)
const dkdvFloats = (D: number) => (bc: number, br: number) => 2 * br * pad4(D) + 2 * br * bc + 2 * br;

/** out = softmax(scale·q·kᵀ + masks)·v and lse = log Σ exp(scaled scores); overwrites both. */
export function attentionForward(
  ctx: GpuContext, out: GpuTensor, lse: GpuTensor, q: GpuTensor, k: GpuTensor, v: GpuTensor,
  keyMask: GpuTensor | null, o: AttentionOptions,
): void {
  const where = 'attention.ts attentionForward';
  const d = checkArgs(where, q, k, v, keyMask);
  checkTensor(where, 'out', out, q.shape);
  checkTensor(where, 'lse', lse, [d.B, d.Hq, d.T]);
  if (d.B * d.T * d.Hq === 0) return;
  const [BR, BC] = pickTiles(ctx, d.T, fwdFloats(d.D), where);
  ctx.dispatch({
    name: 'attention_forward', code: fwdCode,
    overrides: { D: d.D, BR, BC, LANES },
    layout: ['uniform', 'rw', 'rw', 'read', 'read', 'read', 'read'],
    bindings: [out, lse, q, k, v, keyMask ?? q], // q stands in for an unused mask binding
    params: attentionParams(d, o, keyMask),
    workgroups: [Math.ceil(d.T / BR), d.Hq, d.B],
  });
}

/** dq += ∂L/∂q, dk += ∂L/∂k, dv += ∂L/∂v given dout = ∂L/∂out and the saved out, lse. */
export function attentionBackward(
  ctx: GpuContext, grads: AttentionGrads, dout: GpuTensor, q: GpuTensor, k: GpuTensor, v: GpuTensor,
  out: GpuTensor, lse: GpuTensor, keyMask: GpuTensor | null, o: AttentionOptions,
): void {
  const where = 'attention.ts attentionBackward';
  const d = checkArgs(where, q, k, v, keyMask);
  checkTensor(where, 'dout', dout, q.shape);
  checkTensor(where, 'out', out, q.shape);
  checkTensor(where, 'lse', lse, [d.B, d.Hq, d.T]);
  if (grads.dq) checkTensor(where, 'dq', grads.dq, q.shape);
  if (grads.dk) checkTensor(where, 'dk', grads.dk, k.shape);
  if (grads.dv) checkTensor(where, 'dv', grads.dv, v.shape);
  if (d.B * d.T * d.Hq === 0 || d.S === 0) return;
  if (!grads.dq && !grads.dk && !grads.dv) return;

  const rows = d.B * d.Hq * d.T;
  const stats = ctx.empty([d.B, d.Hq, d.T, 2], 'attention.stats');
  ctx.dispatch({
    name: 'attention_delta', code: deltaCode,
    layout: ['uniform', 'rw', 'read', 'read', 'read'],
    bindings: [stats, dout, out, lse],
    params: [u32(d.T), u32(d.Hq), u32(d.D), u32(rows)],
    workgroups: ctx.grid(Math.ceil(rows / 64)),
  });
  const params = attentionParams(d, o, keyMask);
  const mask = keyMask ?? q; // unused binding when there is no mask

  if (grads.dq) {
    const [BR, BC] = pickTiles(ctx, d.T, dqFloats(d.D), where);
    ctx.dispatch({
      name: 'attention_backward_dq', code: dqCode,
      overrides: { D: d.D, BR, BC, LANES },
      layout: ['uniform', 'rw', 'read', 'read', 'read', 'read', 'read', 'read'],
      bindings: [grads.dq, q, k, v, dout, stats, mask],
      params, workgroups: [Math.ceil(d.T / BR), d.Hq, d.B],
    });
  }
  if (grads.dk || grads.dv) {
    // the kernel writes both; a missing one goes to a scratch tensor
    const dk = grads.dk ?? ctx.empty(k.shape, 'attention.dk_scratch');
    const dv = grads.dv ?? ctx.empty(v.shape, 'attention.dv_scratch');
    const [BC, BR] = pickTiles(ctx, d.S, dkdvFloats(d.D), where);
    ctx.dispatch({
      name: 'attention_backward_dkdv', code: dkdvCode,
      overrides: { D: d.D, BR, BC, LANES },
      layout: ['uniform', 'rw', 'rw', 'read', 'read', 'read', 'read', 'read', 'read'],
      bindings: [dk, dv, q, k, v, dout, stats, mask],
      params, workgroups: [Math.ceil(d.S / BC), d.Hkv, d.B],
    });
    if (!grads.dk) ctx.release(dk);
    if (!grads.dv) ctx.release(dv);
  }
  ctx.release(stats);
}
