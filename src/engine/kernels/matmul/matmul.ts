// matmul launcher — C = alpha·op(A)·op(B) + beta·C (contract in kernels/README.md), plus
// `gemm`, the same kernels with a second K-concatenated operand pair and a bias, which the
// fused LoRA linear is built on.
//
// Shapes: A [..., M, K] ([..., K, M] if transA), B [K, N] ([N, K] if transB) or batched with
// the same leading dims as A, C [..., M, N]. A 2-D B with !transA is folded into one big M
// (rows of all batches are contiguous), so the common "activations × weight" case is a single
// 2-D GEMM. Views (ctx.view) work as any operand: their offset is applied in the binding.
//
// Two kernels with one contract (chosen per shape and adapter, see matmulPath):
//   'tiled'  matmul.wgsl        — 64×64 tiles through workgroup memory; for real GPUs;
//   'direct' matmul_direct.wgsl — register blocking, no workgroup memory; for CPU adapters
//            (SwiftShader), where the tiled kernel compiles ~30× slower and runs no faster;
//            matmul_direct4.wgsl is its vec4-load variant, used when directVec4 says so.
//
// B may be a packed bf16/f16 tensor (a frozen weight in its stored precision, two halves per
// u32 word; kernels/packed/): its binding and read_b() come from weightDecl, widened to f32
// on read (no 'shader-f16' needed); A, A2, B2, bias and C stay f32. Packed B must be 2-D and,
// as a view, start at an even element (256-byte aligned anyway).

import type { GpuContext } from '../../gpu/context.ts';
import { f32, shapeStr, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { weightDecl, weightDecl4, weightDtype } from '../packed/packed.ts';
import body from './matmul.wgsl?raw';
import direct from './matmul_direct.wgsl?raw';
import direct4 from './matmul_direct4.wgsl?raw';
import common from './matmul_common.wgsl?raw';
import swigluEpilogue from './epilogue_swiglu.wgsl?raw';
import { KernelArgumentError } from '../args.ts';
import { measuredPath, type GemmShape } from './path_cache.ts';

// B's declaration (weightDecl: f32, bf16 or f16 storage), then the shared params/bindings/
// overrides of matmul_common.wgsl, then the kernel body, then the epilogue's extra output
// (none, or the SwiGLU product: epilogue_swiglu.wgsl)
const BODY = { tiled: body, direct };
const EXTRA = { none: 'fn extra_out(o: u32, v: f32) {}\n', swiglu: swigluEpilogue };
type Extra = keyof typeof EXTRA;
const CODE = new Map<string, string>();
function code(path: MatmulPath, dtype: 'f32' | 'bf16' | 'f16', extra: Extra): string {
  const key = `${path}:${dtype}:${extra}`;
  let c = CODE.get(key);
  if (!c) CODE.set(key, (c = weightDecl(2, 'b', dtype) + common + BODY[path] + EXTRA[extra]));
  return c;
}
const DIRECT4 = new Map<string, string>();
function direct4Code(dtype: 'f32' | 'bf16' | 'f16', extra: Extra): string {
  const key = `${dtype}:${extra}`;
  let c = DIRECT4.get(key);
  if (!c) DIRECT4.set(key, (c = weightDecl4(2, dtype) + common + direct4 + EXTRA[extra]));
  return c;
}
/** Output tile of one workgroup: 64×64 (16×16 threads × 4×4) tiled, 32×32 (8×8 × 4×4) direct. */
const TILE = { tiled: 64, direct: 32 };
/** K-tile of the tiled kernel; 16 keeps its two tiles at 8 KiB of workgroup memory. */
const BK = 16;

export class MatmulShapeError extends KernelArgumentError {
  override readonly name = 'MatmulShapeError';
}

export type MatmulPath = 'tiled' | 'direct';
const forced = new WeakMap<GpuContext, MatmulPath>();

/** True for software adapters (SwiftShader, llvmpipe/lavapipe, WARP): no real shared memory. */
export function isCpuAdapter(ctx: GpuContext): boolean {
  const a = ctx.caps.adapter;
  return /swiftshader|llvmpipe|lavapipe|warp|\bcpu\b/i.test(`${a.vendor} ${a.architecture} ${a.description} ${a.device}`);
}

/** The kernel a GEMM uses: forced by setMatmulPath, else the one a timed probe picked for this
 * shape on this adapter (path_cache.ts, choice.ts), else by adapter name: 'direct' on CPU
 * adapters, 'tiled' elsewhere. */
export function matmulPath(ctx: GpuContext, shape?: GemmShape): MatmulPath {
  return forced.get(ctx) ?? (shape && measuredPath(ctx, shape)) ?? (isCpuAdapter(ctx) ? 'direct' : 'tiled');
}

/** The path forced on this context, if any (the probe restores it). */
export function forcedMatmulPath(ctx: GpuContext): MatmulPath | undefined {
  return forced.get(ctx);
}

/** Forces a path for one context (tests run both kernels on SwiftShader); 'auto' resets. */
export function setMatmulPath(ctx: GpuContext, path: MatmulPath | 'auto'): void {
  if (path === 'auto') forced.delete(ctx);
  else forced.set(ctx, path);
}

/** The direct kernel reads A and B as vec4 (packed B: as vec2u, four halves) when each one's
 * contiguous axis is a multiple of 4 (A: K, or M if transA; B: K if transB, else N). */
export function directVec4(d: { M: number; N: number; K: number }, transA: boolean, transB: boolean): boolean {
  // K = 0 would bind a 4-byte A, below a vec4 array's 16-byte minimum binding size
  return d.K > 0 && (transA ? d.M : d.K) % 4 === 0 && (transB ? d.K : d.N) % 4 === 0;
}

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
  /** R [M,N] added to C (after alpha, before beta·C): a residual fused into the GEMM's
   * epilogue (one dispatch instead of matmul + add). Not with bias, not batched; must not
   * share C's buffer. */
  residual?: GpuTensor | null;
  /** C is the MLP's up projection: also write out = silu(gate)·C (gate, out [M,N] f32) in the
   * epilogue — SwiGLU without its own dispatch. Not with bias/residual, not batched; out must
   * not share a buffer with any operand. */
  swiglu?: { gate: GpuTensor; out: GpuTensor } | null;
}

/** A matmul B operand: f32, or a packed bf16/f16 frozen weight (same GpuTensor type). */
export type WeightTensor = GpuTensor;

interface Dims {
  batch: number;
  M: number;
  N: number;
  K: number;
  sA: number;
  sB: number;
  sC: number;
}

const desc = (t: { shape: readonly number[]; label: string }) => shapeStr(t);

/** Resolves M, N, K, batch and per-batch strides; throws MatmulShapeError naming tensors. */
export function matmulDims(c: GpuTensor, a: GpuTensor, b: WeightTensor, transA: boolean, transB: boolean, where = 'matmul'): Dims {
  if (a.dtype !== 'f32' || c.dtype !== 'f32') throw new MatmulShapeError(where, `A=${desc(a)} (${a.dtype}) and C=${desc(c)} (${c.dtype}) must be f32`);
  const ra = a.shape.length;
  const rb = b.shape.length;
  if (ra < 2 || rb < 2 || c.shape.length !== ra) {
    throw new MatmulShapeError(where, `need A, C of equal rank ≥ 2 and B of rank ≥ 2; got A=${desc(a)} B=${desc(b)} C=${desc(c)}`);
  }
  const lead = a.shape.slice(0, ra - 2);
  const batch = lead.reduce((x, y) => x * y, 1);
  const [a0, a1] = a.shape.slice(ra - 2);
  const [b0, b1] = b.shape.slice(rb - 2);
  const M = transA ? a1 : a0;
  const K = transA ? a0 : a1;
  const Kb = transB ? b1 : b0;
  const N = transB ? b0 : b1;
  if (K !== Kb) throw new MatmulShapeError(where, `inner dims differ: op(A)=${desc(a)}${transA ? 'ᵀ' : ''} has K=${K}, op(B)=${desc(b)}${transB ? 'ᵀ' : ''} has K=${Kb}`);
  const cs = c.shape;
  if (cs[ra - 2] !== M || cs[ra - 1] !== N || lead.some((d, i) => cs[i] !== d)) {
    throw new MatmulShapeError(where, `C=${desc(c)} should be [${[...lead, M, N].join(',')}] for A=${desc(a)} B=${desc(b)}`);
  }
  let sB = 0;
  if (rb > 2) {
    const bl = b.shape.slice(0, rb - 2);
    if (bl.length !== lead.length || bl.some((d, i) => d !== lead[i])) {
      throw new MatmulShapeError(where, `batched B=${desc(b)} must share A's leading dims [${lead.join(',')}] (or be 2-D)`);
    }
    sB = K * N;
  }
  const bt = weightDtype(b);
  if (bt !== 'f32' && sB !== 0) throw new MatmulShapeError(where, `${bt} weight ${desc(b)} must be 2-D`);
  if (batch > 1 && sB === 0 && !transA) {
    // rows of every batch are contiguous in A and C: one GEMM with M·batch rows
    return { batch: 1, M: M * batch, N, K, sA: 0, sB: 0, sC: 0 };
  }
  return { batch, M, N, K, sA: M * K, sB, sC: M * N };
}

export interface FusedOptions extends MatmulOptions {
  /** Second pair: C += alpha·s2·op(A2)·op(B2), K-concatenated into the same tiles. */
  a2?: GpuTensor;
  b2?: GpuTensor;
  /** op(A2) is [M, K2], op(B2) is [K2, N]; same transpose flags as the main pair. */
  k2?: number;
  s2?: number;
  /** [N] added to every row (after alpha, before beta·C). */
  bias?: GpuTensor | null;
  name?: string;
}

/** The one GEMM kernel behind matmul and the fused LoRA linear (dims already validated). */
export function gemm(ctx: GpuContext, c: GpuTensor, a: GpuTensor, b: WeightTensor, d: Dims, o: FusedOptions): void {
  const name = o.name ?? 'matmul';
  const bt = weightDtype(b);
  const packed = bt !== 'f32';
  if (packed && (b.offset ?? 0) % 2 !== 0) throw new MatmulShapeError(name, `packed weight ${b.label} starts at an odd element`);
  const k2 = o.k2 ?? 0;
  const bBind = b;
  const res = o.residual ?? null;
  if (res) {
    if (o.bias) throw new MatmulShapeError(name, 'bias and residual share one binding: pass one of them');
    if (d.batch !== 1) throw new MatmulShapeError(name, `residual ${res.label} needs a 2-D (unbatched) GEMM, got batch ${d.batch}`);
    if (res.size !== d.M * d.N || res.dtype !== 'f32') throw new MatmulShapeError(name, `residual ${desc(res)} should be f32 [${d.M},${d.N}]`);
  }
  const sw = o.swiglu ?? null;
  if (sw) {
    if (o.bias || res) throw new MatmulShapeError(name, 'swiglu takes the bias binding: no bias or residual with it');
    if (d.batch !== 1) throw new MatmulShapeError(name, `swiglu needs a 2-D (unbatched) GEMM, got batch ${d.batch}`);
    for (const t of [sw.gate, sw.out]) {
      if (t.size !== d.M * d.N || t.dtype !== 'f32') throw new MatmulShapeError(name, `swiglu ${desc(t)} should be f32 [${d.M},${d.N}]`);
    }
    for (const t of [a, bBind, o.a2, o.b2, sw.gate, c]) {
      if (t && t.buffer === sw.out.buffer) throw new MatmulShapeError(name, `swiglu output ${sw.out.label} shares a GPU buffer with ${t.label}`);
    }
  }
  const path = matmulPath(ctx, { ...d, k2, transA: !!o.transA, transB: !!o.transB, bias: !!o.bias, weight: bt });
  const tile = TILE[path];
  const vec4 = path === 'direct' && directVec4(d, !!o.transA, !!o.transB);
  // WebGPU forbids a buffer bound writable and read-only in one dispatch, even as disjoint
  // views: say so here instead of a validation error at the next sync.
  for (const [what, t] of [['A', a], ['B', bBind], ['A2', o.a2], ['B2', o.b2], ['bias', o.bias], ['residual', res], ['gate', sw?.gate]] as const) {
    if (t && t.buffer === c.buffer) throw new MatmulShapeError(name, `output ${c.label} shares a GPU buffer with input ${what}=${t.label}; use a separate output tensor`);
  }
  ctx.dispatch({
    name: `${name}${packed ? `_${bt}` : ''}${path === 'direct' ? (vec4 ? '_direct4' : '_direct') : ''}${sw ? '_swiglu' : ''}`,
    code: vec4 ? direct4Code(bt, sw ? 'swiglu' : 'none') : code(path, bt, sw ? 'swiglu' : 'none'),
    overrides: {
      TRANS_A: o.transA ? 1 : 0, TRANS_B: o.transB ? 1 : 0, HAS_BIAS: o.bias || res ? 1 : 0, BIAS_ROWS: res ? 1 : 0,
      ...(path === 'tiled' ? { BK } : {}),
    },
    layout: ['uniform', 'read', 'read', 'read', 'read', 'read', 'rw', ...(sw ? ['rw' as const] : [])],
    // unused slots are bound to A (read-only, never touched: K2 = 0 / HAS_BIAS = false)
    bindings: [a, bBind, k2 > 0 ? o.a2! : a, k2 > 0 ? o.b2! : a, o.bias ?? res ?? sw?.gate ?? a, c, ...(sw ? [sw.out] : [])],
    params: [
      u32(d.M), u32(d.N), u32(d.K), u32(k2),
      u32(d.sA), u32(d.sB), u32(d.sC),
      f32(o.alpha ?? 1), f32(o.beta ?? 0), f32(o.s2 ?? 1),
    ],
    workgroups: [Math.ceil(d.N / tile), Math.ceil(d.M / tile), d.batch],
  });
}

/** C = alpha·op(A)·op(B) + beta·C, batched over A's leading dims (see header). */
export function matmul(ctx: GpuContext, c: GpuTensor, a: GpuTensor, b: WeightTensor, opts: MatmulOptions = {}): void {
  const transA = !!opts.transA;
  const transB = !!opts.transB;
  const d = matmulDims(c, a, b, transA, transB);
  if (d.M === 0 || d.N === 0) return;
  gemm(ctx, c, a, b, d, { ...opts, transA, transB });
}
