// Ops<T> on the kernels' CPU references (float64 host tensors). Slow and plain on purpose:
// this is the reference the GPU decoder is compared with, and it runs in Node.
import { attentionBackwardRef, attentionForwardRef } from '../../kernels/attention/attention.ref.ts';
import { elementwiseBackwardRef, elementwiseForwardRef } from '../../kernels/elementwise/elementwise.ref.ts';
import { embeddingOverrideBackwardRef, embeddingOverrideForwardRef } from '../../kernels/embedding/embedding.ref.ts';
import { crossEntropyBackwardRef, crossEntropyForwardRef } from '../../kernels/loss/cross_entropy.ref.ts';
import { loraLinearBackwardRef, loraLinearForwardRef } from '../../kernels/lora/lora.ref.ts';
import { matmulRef } from '../../kernels/matmul/matmul.ref.ts';
import { rmsNormBackwardRef, rmsNormForwardRef } from '../../kernels/norm/rmsnorm.ref.ts';
import { ropeBackwardRef, ropeForwardRef } from '../../kernels/rope/rope.ref.ts';
import { loraDAGroupRef, loraDBPairRef, loraGPairRef, loraUGroupRef } from '../../kernels/lora/lora_group.ref.ts';
import type { LinearOptions, Ops } from './ops.ts';

export interface CpuTensor {
  data: Float64Array;
  shape: number[];
}

const numel = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
const last = (t: CpuTensor) => t.shape[t.shape.length - 1];
const rows = (t: CpuTensor) => t.data.length / last(t);

export function cpuTensor(data: ArrayLike<number>, shape: readonly number[]): CpuTensor {
  if (data.length !== numel(shape)) throw new Error(`cpuTensor: ${data.length} values for shape [${shape}]`);
  return { data: Float64Array.from(data), shape: [...shape] };
}

export class CpuOps implements Ops<CpuTensor> {
  empty(shape: readonly number[]): CpuTensor {
    return { data: new Float64Array(numel(shape)).fill(NaN), shape: [...shape] }; // NaN: catches reads of unwritten memory
  }
  zeros(shape: readonly number[]): CpuTensor {
    return { data: new Float64Array(numel(shape)), shape: [...shape] };
  }
  free(): void {}
  shape(t: CpuTensor) {
    return t.shape;
  }
  async read(t: CpuTensor) {
    return Float32Array.from(t.data);
  }

  embed(out: CpuTensor, ids: Uint32Array, table: CpuTensor, src: CpuTensor | null, srcIndex: Int32Array | null) {
    embeddingOverrideForwardRef(out.data, ids, table.data, src?.data ?? null, srcIndex, last(table));
  }
  embedBackward(dTable: CpuTensor | null, dSrc: CpuTensor | null, dout: CpuTensor, ids: Uint32Array, srcIndex: Int32Array | null) {
    embeddingOverrideBackwardRef({ dTable: dTable?.data ?? null, dSrc: dSrc?.data ?? null }, dout.data, ids, srcIndex, last(dout));
  }

  rmsNorm(y: CpuTensor, rstd: CpuTensor, x: CpuTensor, w: CpuTensor, eps: number) {
    rmsNormForwardRef(y.data, rstd.data, x.data, w.data, { eps });
  }
  rmsNormBackward(dx: CpuTensor | null, dW: CpuTensor | null, dy: CpuTensor, x: CpuTensor, w: CpuTensor, rstd: CpuTensor) {
    rmsNormBackwardRef({ dx: dx?.data ?? null, dWeight: dW?.data ?? null }, dy.data, x.data, w.data, rstd.data);
  }

  linear(y: CpuTensor, u: CpuTensor | null, x: CpuTensor, W: CpuTensor, A: CpuTensor | null, B: CpuTensor | null, scale: number, o: LinearOptions<CpuTensor> = {}) {
    const residual = o.residual ?? null; // o.uReady: u is recomputed here, to the same values
    const [outF, inF] = W.shape;
    if (A && B && u) {
      loraLinearForwardRef(y.data, u.data, x.data, W.data, A.data, B.data, { N: rows(x), inF, outF, r: A.shape[0] }, { scale });
    } else {
      matmulRef({ data: y.data, shape: [rows(x), outF] }, { data: x.data, shape: [rows(x), inF] }, W, { transB: true });
    }
    // the GPU adds R in the GEMM's epilogue: (x·Wᵀ + s·u·Bᵀ) + R, the same rounding as this
    if (residual) elementwiseForwardRef('add', y.data, y.data, residual.data);
    if (o.swiglu) elementwiseForwardRef('swiglu', o.swiglu.out.data, o.swiglu.gate.data, y.data);
  }
  linearBackward(
    g: { dx: CpuTensor | null; dA: CpuTensor | null; dB: CpuTensor | null; dW: CpuTensor | null; gOut?: CpuTensor | null; gReady?: boolean },
    dy: CpuTensor, x: CpuTensor, u: CpuTensor | null, W: CpuTensor, A: CpuTensor | null, B: CpuTensor | null, scale: number,
  ) {
    const [outF, inF] = W.shape;
    const N = rows(x);
    if (A && B && u) {
      if (g.gOut && !g.gReady) matmulRef({ data: g.gOut.data, shape: [N, A.shape[0]] }, { data: dy.data, shape: [N, outF] }, B); // g = dy·B
      loraLinearBackwardRef(
        { dx: g.dx?.data, dA: g.dA?.data, dB: g.dB?.data, dW: g.dW?.data },
        dy.data, x.data, u.data, W.data, A.data, B.data, { N, inF, outF, r: A.shape[0] }, { scale },
      );
      return;
    }
    const dy2 = { data: dy.data, shape: [N, outF] };
    if (g.dx) matmulRef({ data: g.dx.data, shape: [N, inF] }, dy2, W, { beta: 1 });
    if (g.dW) matmulRef(g.dW, dy2, { data: x.data, shape: [N, inF] }, { transA: true, beta: 1 });
  }

  loraU(us: CpuTensor[], x: CpuTensor, As: CpuTensor[]) {
    const [r, K] = As[0].shape;
    loraUGroupRef(us.map((u) => u.data), x.data, As.map((A) => A.data), { N: x.data.length / K, K, r });
  }
  loraDAGroup(dAs: CpuTensor[], gs: CpuTensor[], x: CpuTensor, scale: number) {
    const [r, K] = dAs[0].shape;
    loraDAGroupRef(dAs.map((d) => d.data), gs.map((g) => g.data), x.data, scale, { N: x.data.length / K, K, r });
  }

  loraGDBPair(gs: CpuTensor[], dBs: CpuTensor[], dys: CpuTensor[], Bs: CpuTensor[], us: CpuTensor[], scale: number) {
    const [O, r] = Bs[0].shape;
    const d = { N: dys[0].data.length / O, O, r };
    loraGPairRef(gs.map((g) => g.data), dys.map((t) => t.data), Bs.map((B) => B.data), d);
    loraDBPairRef(dBs.map((t) => t.data), dys.map((t) => t.data), us.map((u) => u.data), scale, d);
  }

  rope(x: CpuTensor, positions: Uint32Array, heads: number, headDim: number, theta: number) {
    ropeForwardRef(x.data, positions, { heads, headDim, theta });
  }
  ropeBackward(dx: CpuTensor, positions: Uint32Array, heads: number, headDim: number, theta: number) {
    ropeBackwardRef(dx.data, positions, { heads, headDim, theta });
  }
  ropeQK(q: CpuTensor, k: CpuTensor, positions: Uint32Array, heads: number, kvHeads: number, headDim: number, theta: number) {
    this.rope(q, positions, heads, headDim, theta);
    this.rope(k, positions, kvHeads, headDim, theta);
  }
  ropeQKBackward(dq: CpuTensor, dk: CpuTensor, positions: Uint32Array, heads: number, kvHeads: number, headDim: number, theta: number) {
    this.ropeBackward(dq, positions, heads, headDim, theta);
    this.ropeBackward(dk, positions, kvHeads, headDim, theta);
  }

  private attnDims(q: CpuTensor, k: CpuTensor, lse: CpuTensor) {
    const [B, Hq, T] = lse.shape;
    const D = q.data.length / (B * T * Hq);
    const S = T; // self-attention in the decoder
    return { B, T, S, Hq, Hkv: k.data.length / (B * S * D), D };
  }
  attention(out: CpuTensor, lse: CpuTensor, q: CpuTensor, k: CpuTensor, v: CpuTensor, keyMask: Uint32Array | null, causal: boolean) {
    attentionForwardRef(out.data, lse.data, q.data, k.data, v.data, keyMask, { ...this.attnDims(q, k, lse), causal });
  }
  attentionBackward(
    g: { dq: CpuTensor; dk: CpuTensor; dv: CpuTensor }, dout: CpuTensor, q: CpuTensor, k: CpuTensor, v: CpuTensor,
    out: CpuTensor, lse: CpuTensor, keyMask: Uint32Array | null, causal: boolean,
  ) {
    attentionBackwardRef(
      { dq: g.dq.data, dk: g.dk.data, dv: g.dv.data }, dout.data, q.data, k.data, v.data, out.data, lse.data, keyMask,
      { ...this.attnDims(q, k, lse), causal },
    );
  }

  swiglu(out: CpuTensor, gate: CpuTensor, up: CpuTensor) {
    elementwiseForwardRef('swiglu', out.data, gate.data, up.data);
  }
  swigluBackward(dGate: CpuTensor, dUp: CpuTensor, dout: CpuTensor, gate: CpuTensor, up: CpuTensor) {
    elementwiseBackwardRef('swiglu', [dGate.data, dUp.data], dout.data, gate.data, up.data);
  }
  add(out: CpuTensor, a: CpuTensor, b: CpuTensor) {
    elementwiseForwardRef('add', out.data, a.data, b.data);
  }
  copy(dst: CpuTensor, src: CpuTensor) {
    dst.data.set(src.data);
  }
  accumulate(dst: CpuTensor, src: CpuTensor) {
    elementwiseBackwardRef('add', [dst.data, null], src.data, src.data, src.data);
  }

  crossEntropy(loss: CpuTensor, lse: CpuTensor, h: CpuTensor, W: CpuTensor, labels: Int32Array) {
    crossEntropyForwardRef(loss.data, lse.data, h.data, W.data, labels, { n: rows(h), hidden: last(h), vocab: W.shape[0] });
  }
  crossEntropyBackward(dh: CpuTensor | null, dW: CpuTensor | null, dLoss: number, h: CpuTensor, W: CpuTensor, labels: Int32Array, lse: CpuTensor) {
    crossEntropyBackwardRef({ dh: dh?.data ?? null, dW: dW?.data ?? null }, dLoss, h.data, W.data, labels, lse.data, {
      n: rows(h), hidden: last(h), vocab: W.shape[0],
    });
  }
}
