// Suite "train-step": the decoder configuration and host data shared by every peer (pure TS,
// Node + browser; unit-tested in train.test.ts). SmolVLM-like proportions shrunk for
// SwiftShader: H 192, 2 layers, 3 query heads / 1 KV head (GQA 3:1), head dim 64,
// intermediate 512, vocab 1024, batch 4 × 64 tokens, LoRA r 8 (alpha 16) on all 7 linears.
// Weights are HF layouts ([out,in]); LoRA A [r,in], B [out,r]. B is random (not PEFT's zero
// init) so that both A and B get non-zero gradients on step 1.
import { randInt, randn } from '../../../src/engine/util/random.ts';
import { LORA_MODULES, linearShape, type DecoderDims, type LoraModule } from '../../../src/engine/model/decoder/types.ts';

export const TRAIN_DIMS: DecoderDims = {
  hidden: 192, intermediate: 512, layers: 2, heads: 3, kvHeads: 1, headDim: 64, vocab: 1024, ropeTheta: 10000, rmsEps: 1e-5,
};
export const TRAIN_BATCH = { batch: 4, seqLen: 64 } as const;
/** --quick (the CI smoke of both runners): the same step on a decoder small enough that shader
 * compilation, not arithmetic, is most of its time — H 64, 1 layer, 2/1 heads of 32, I 128,
 * V 256, batch 2 × 16. Its figures show the suite works, not how fast anything is. */
export const TRAIN_QUICK: { dims: DecoderDims; batch: { batch: number; seqLen: number } } = {
  dims: { hidden: 64, intermediate: 128, layers: 1, heads: 2, kvHeads: 1, headDim: 32, vocab: 256, ropeTheta: 10000, rmsEps: 1e-5 },
  batch: { batch: 2, seqLen: 16 },
};
export const TRAIN_LORA = { rank: 8, alpha: 16 } as const;
/** AdamW as torch.optim.AdamW, no clipping. lr is small on purpose: on step 1 the update is
 * ≈ lr·sign(g), so two implementations whose tiny gradients differ in sign can differ by 2·lr. */
export const TRAIN_ADAMW = { lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01 } as const;

export interface HostLayer {
  inputNorm: Float32Array; postNorm: Float32Array;
  lin: Record<LoraModule, Float32Array>; // [out,in]
  A: Record<LoraModule, Float32Array>; // [r,in]
  B: Record<LoraModule, Float32Array>; // [out,r]
}
export interface TrainData {
  dims: DecoderDims;
  /** Sequences × tokens of the step. */
  bt: { batch: number; seqLen: number };
  embed: Float32Array; // [V,H] (untied lm head below)
  lmHead: Float32Array; // [V,H]
  finalNorm: Float32Array; // [H]
  layers: HostLayer[];
  ids: Uint32Array; // [B·T]
  labels: Int32Array; // [B·T] ids shifted left, −100 on each sequence's last token
}

/** Names of the trainable tensors in a fixed order: "L0.q.A", "L0.q.B", … (2·7·layers). */
export function loraNames(layers: number): string[] {
  const out: string[] = [];
  for (let l = 0; l < layers; l++) for (const m of LORA_MODULES) out.push(`L${l}.${m}.A`, `L${l}.${m}.B`);
  return out;
}

export function loraShape(d: DecoderDims, m: LoraModule, which: 'A' | 'B', r: number): [number, number] {
  const [o, i] = linearShape(d, m);
  return which === 'A' ? [r, i] : [o, r];
}

/** Next-token labels: label[b,t] = ids[b,t+1], −100 at t = T−1. */
export function nextTokenLabels(ids: Uint32Array, batch: number, seqLen: number): Int32Array {
  const labels = new Int32Array(batch * seqLen);
  for (let b = 0; b < batch; b++) for (let t = 0; t < seqLen; t++) labels[b * seqLen + t] = t + 1 < seqLen ? ids[b * seqLen + t + 1] : -100;
  return labels;
}

export function makeTrainData(seed = 7, d: DecoderDims = TRAIN_DIMS, bt: { batch: number; seqLen: number } = TRAIN_BATCH, r: number = TRAIN_LORA.rank): TrainData {
  let s = seed * 1000;
  const ones = (n: number) => { const v = randn(n, s++, 0.1); for (let i = 0; i < n; i++) v[i] += 1; return v; };
  const layers: HostLayer[] = [];
  for (let l = 0; l < d.layers; l++) {
    const lin = {} as HostLayer['lin'], A = {} as HostLayer['A'], B = {} as HostLayer['B'];
    for (const m of LORA_MODULES) {
      const [o, i] = linearShape(d, m);
      lin[m] = randn(o * i, s++, 1 / Math.sqrt(i));
      A[m] = randn(r * i, s++, 1 / Math.sqrt(i));
      B[m] = randn(o * r, s++, 0.05);
    }
    layers.push({ inputNorm: ones(d.hidden), postNorm: ones(d.hidden), lin, A, B });
  }
  const ids = Uint32Array.from(randInt(bt.batch * bt.seqLen, s++, d.vocab));
  return {
    dims: d, bt: { batch: bt.batch, seqLen: bt.seqLen }, embed: randn(d.vocab * d.hidden, s++, 1), lmHead: randn(d.vocab * d.hidden, s++, 1 / Math.sqrt(d.hidden)),
    finalNorm: ones(d.hidden), layers, ids, labels: nextTokenLabels(ids, bt.batch, bt.seqLen),
  };
}

/** Matmul flops of one LoRA training step with the base frozen (for the GF/s column):
 *  linears: forward 2·N·out·in + LoRA 2·N·r·(in+out); backward only dX (= the forward's base
 *  flops, no dW) + LoRA dU, dB, dA, dX (2× its forward); attention QKᵀ, PV: backward 2× forward;
 *  lm head: forward + dh (no dW). Elementwise kernels are not counted. */
export function trainStepFlops(d: DecoderDims, bt: { batch: number; seqLen: number }, r: number): number {
  const N = bt.batch * bt.seqLen;
  let base = 0, lora = 0;
  for (const m of LORA_MODULES) { const [o, i] = linearShape(d, m); base += 2 * N * o * i; lora += 2 * N * r * (i + o); }
  const attn = 2 * 2 * bt.batch * d.heads * bt.seqLen * bt.seqLen * d.headDim; // QKᵀ and PV
  const head = 2 * N * d.vocab * d.hidden;
  return d.layers * (2 * base + 3 * lora + 3 * attn) + 2 * head;
}

/** cos/sin tables [T,D] (HF: emb = cat(freqs, freqs)) and the rotate-half matrix R [D,D]. */
export function ropeTables(T: number, D: number, theta: number) {
  const cos = new Float32Array(T * D), sin = new Float32Array(T * D), R = new Float32Array(D * D);
  const h = D / 2;
  for (let t = 0; t < T; t++) {
    for (let i = 0; i < h; i++) {
      const f = t * Math.pow(theta, -(2 * i) / D);
      cos[t * D + i] = cos[t * D + i + h] = Math.cos(f);
      sin[t * D + i] = sin[t * D + i + h] = Math.sin(f);
    }
  }
  // (x·R)[j] = −x[j+h] for j < h, x[j−h] for j ≥ h
  for (let j = 0; j < h; j++) { R[(j + h) * D + j] = -1; R[j * D + j + h] = 1; }
  return { cos, sin, R };
}
