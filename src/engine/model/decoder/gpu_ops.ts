// Ops<T> on our WGSL kernels. Integer inputs (ids, positions, masks, labels) arrive as CPU
// arrays; each is uploaded once and cached by identity until releaseInputs().
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { attentionBackward, attentionForward } from '../../kernels/attention/attention.ts';
import { elementwiseBackward, elementwiseForward } from '../../kernels/elementwise/elementwise.ts';
import {
  embeddingBackward, embeddingForward, embeddingOverrideBackward, embeddingOverrideForward,
} from '../../kernels/embedding/embedding.ts';
import { crossEntropyBackward, crossEntropyForward } from '../../kernels/loss/cross_entropy.ts';
import { loraLinearBackward, loraLinearForward } from '../../kernels/lora/lora.ts';
import { matmul } from '../../kernels/matmul/matmul.ts';
import { rmsNormBackward, rmsNormForward } from '../../kernels/norm/rmsnorm.ts';
import { ropeBackward, ropeForward, ropePair } from '../../kernels/rope/rope.ts';
import { loraDAGroup, loraDBPair, loraGPair, loraUGroup } from '../../kernels/lora/lora_group.ts';
import type { LinearOptions, Ops } from './ops.ts';

type IntArray = Uint32Array | Int32Array;

export class GpuOps implements Ops<GpuTensor> {
  private uploads = new Map<IntArray, GpuTensor>();

  constructor(readonly ctx: GpuContext) {}

  private int(a: IntArray, label: string): GpuTensor {
    let t = this.uploads.get(a);
    if (!t) {
      t = this.ctx.upload(a, [a.length], label);
      this.uploads.set(a, t);
    }
    return t;
  }

  /** Release the uploaded integer inputs of finished batches. */
  releaseInputs(): void {
    for (const t of this.uploads.values()) this.ctx.release(t);
    this.uploads.clear();
  }

  empty(shape: readonly number[], label: string) {
    return this.ctx.empty(shape, label);
  }
  zeros(shape: readonly number[], label: string) {
    return this.ctx.zeros(shape, label);
  }
  free(...ts: (GpuTensor | null | undefined)[]) {
    this.ctx.release(...ts);
  }
  shape(t: GpuTensor) {
    return t.shape;
  }
  read(t: GpuTensor) {
    return this.ctx.read(t);
  }

  embed(out: GpuTensor, ids: Uint32Array, table: GpuTensor, src: GpuTensor | null, srcIndex: Int32Array | null) {
    // CPU ids are validated by the launcher (an out-of-range id throws, naming its row)
    if (src && srcIndex) embeddingOverrideForward(this.ctx, out, ids, table, src, srcIndex);
    else embeddingForward(this.ctx, out, ids, table);
  }
  embedBackward(dTable: GpuTensor | null, dSrc: GpuTensor | null, dout: GpuTensor, ids: Uint32Array, srcIndex: Int32Array | null) {
    if (srcIndex && (dTable || dSrc)) embeddingOverrideBackward(this.ctx, { dTable, dSrc }, dout, ids, srcIndex);
    else if (dTable) embeddingBackward(this.ctx, dTable, dout, ids);
  }

  rmsNorm(y: GpuTensor, rstd: GpuTensor, x: GpuTensor, w: GpuTensor, eps: number) {
    rmsNormForward(this.ctx, y, rstd, x, w, { eps });
  }
  rmsNormBackward(dx: GpuTensor | null, dW: GpuTensor | null, dy: GpuTensor, x: GpuTensor, w: GpuTensor, rstd: GpuTensor) {
    rmsNormBackward(this.ctx, { dx, dWeight: dW }, dy, x, w, rstd);
  }

  linear(y: GpuTensor, u: GpuTensor | null, x: GpuTensor, W: GpuTensor, A: GpuTensor | null, B: GpuTensor | null, scale: number, o: LinearOptions<GpuTensor> = {}) {
    const residual = o.residual ?? null, swiglu = o.swiglu ?? null;
    if (A && B && u) loraLinearForward(this.ctx, y, u, x, W, A, B, { scale, residual, uReady: o.uReady, swiglu });
    else matmul(this.ctx, y, x, W, { transB: true, residual, swiglu });
  }
  linearBackward(
    g: { dx: GpuTensor | null; dA: GpuTensor | null; dB: GpuTensor | null; dW: GpuTensor | null; gOut?: GpuTensor | null; gReady?: boolean },
    dy: GpuTensor, x: GpuTensor, u: GpuTensor | null, W: GpuTensor, A: GpuTensor | null, B: GpuTensor | null, scale: number,
  ) {
    if (A && B && u) {
      loraLinearBackward(this.ctx, g, dy, x, u, W, A, B, { scale, gOut: g.gOut, gReady: g.gReady });
      return;
    }
    if (g.dx) matmul(this.ctx, g.dx, dy, W, { beta: 1 }); // dx += dy·W
    if (g.dW) matmul(this.ctx, g.dW, dy, x, { transA: true, beta: 1 }); // dW += dyᵀ·x
  }

  loraU(us: GpuTensor[], x: GpuTensor, As: GpuTensor[]) {
    loraUGroup(this.ctx, us, x, As);
  }
  loraDAGroup(dAs: GpuTensor[], gs: GpuTensor[], x: GpuTensor, scale: number) {
    loraDAGroup(this.ctx, dAs, gs, x, scale);
  }
  loraGDBPair(gs: GpuTensor[], dBs: GpuTensor[], dys: GpuTensor[], Bs: GpuTensor[], us: GpuTensor[], scale: number) {
    loraGPair(this.ctx, gs, dys, Bs);
    loraDBPair(this.ctx, dBs, dys, us, scale);
  }

  rope(x: GpuTensor, positions: Uint32Array, heads: number, headDim: number, theta: number) {
    ropeForward(this.ctx, x, this.int(positions, 'positions'), { heads, headDim, theta });
  }
  ropeBackward(dx: GpuTensor, positions: Uint32Array, heads: number, headDim: number, theta: number) {
    ropeBackward(this.ctx, dx, this.int(positions, 'positions'), { heads, headDim, theta });
  }
  ropeQK(q: GpuTensor, k: GpuTensor, positions: Uint32Array, heads: number, kvHeads: number, headDim: number, theta: number) {
    ropePair(this.ctx, q, k, this.int(positions, 'positions'), { heads, heads2: kvHeads, headDim, theta }, false);
  }
  ropeQKBackward(dq: GpuTensor, dk: GpuTensor, positions: Uint32Array, heads: number, kvHeads: number, headDim: number, theta: number) {
    ropePair(this.ctx, dq, dk, this.int(positions, 'positions'), { heads, heads2: kvHeads, headDim, theta }, true);
  }

  /** The decoder's [rows, heads·D] tensors seen as [B, T, heads, D] for the attention launchers. */
  private as4d(t: GpuTensor, B: number, T: number, heads: number): GpuTensor {
    return { ...t, shape: [B, T, heads, t.size / (B * T * heads)], isView: true };
  }
  private attnShapes(lse: GpuTensor, k: GpuTensor, q: GpuTensor) {
    const [B, Hq, T] = lse.shape;
    const D = q.size / (B * T * Hq);
    return { B, T, Hq, Hkv: k.size / (B * T * D) };
  }
  attention(out: GpuTensor, lse: GpuTensor, q: GpuTensor, k: GpuTensor, v: GpuTensor, keyMask: Uint32Array | null, causal: boolean) {
    const { B, T, Hq, Hkv } = this.attnShapes(lse, k, q);
    attentionForward(
      this.ctx, this.as4d(out, B, T, Hq), lse, this.as4d(q, B, T, Hq), this.as4d(k, B, T, Hkv), this.as4d(v, B, T, Hkv),
      this.mask(keyMask, B, T), { causal },
    );
  }
  private mask(keyMask: Uint32Array | null, B: number, S: number): GpuTensor | null {
    return keyMask ? { ...this.int(keyMask, 'keyMask'), shape: [B, S], isView: true } : null;
  }
  attentionBackward(
    g: { dq: GpuTensor; dk: GpuTensor; dv: GpuTensor }, dout: GpuTensor, q: GpuTensor, k: GpuTensor, v: GpuTensor,
    out: GpuTensor, lse: GpuTensor, keyMask: Uint32Array | null, causal: boolean,
  ) {
    const { B, T, Hq, Hkv } = this.attnShapes(lse, k, q);
    const q4 = (t: GpuTensor) => this.as4d(t, B, T, Hq);
    const kv4 = (t: GpuTensor) => this.as4d(t, B, T, Hkv);
    attentionBackward(
      this.ctx, { dq: q4(g.dq), dk: kv4(g.dk), dv: kv4(g.dv) }, q4(dout), q4(q), kv4(k), kv4(v), q4(out), lse,
      this.mask(keyMask, B, T), { causal },
    );
  }

  swiglu(out: GpuTensor, gate: GpuTensor, up: GpuTensor) {
    elementwiseForward(this.ctx, 'swiglu', out, gate, up);
  }
  swigluBackward(dGate: GpuTensor, dUp: GpuTensor, dout: GpuTensor, gate: GpuTensor, up: GpuTensor) {
    elementwiseBackward(this.ctx, 'swiglu', [dGate, dUp], dout, gate, up);
  }
  add(out: GpuTensor, a: GpuTensor, b: GpuTensor) {
    elementwiseForward(this.ctx, 'add', out, a, b);
  }
  copy(dst: GpuTensor, src: GpuTensor) {
    this.ctx.copyRange(src, 0, dst, 0, src.size);
  }
  accumulate(dst: GpuTensor, src: GpuTensor) {
    elementwiseBackward(this.ctx, 'add', [dst, null], src, src, src); // d(a+b)/da = 1 → dst += src
  }

  crossEntropy(loss: GpuTensor, lse: GpuTensor, h: GpuTensor, W: GpuTensor, labels: Int32Array) {
    crossEntropyForward(this.ctx, loss, lse, h, W, this.int(labels, 'labels'));
  }
  crossEntropyBackward(dh: GpuTensor | null, dW: GpuTensor | null, dLoss: number, h: GpuTensor, W: GpuTensor, labels: Int32Array, lse: GpuTensor) {
    crossEntropyBackward(this.ctx, { dh, dW }, dLoss, h, W, this.int(labels, 'labels'), lse);
  }
}
