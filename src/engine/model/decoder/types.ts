// Named, shaped decoder state (llm.c ParameterTensors style). Frozen base weights and the
// trainable adapters are separate records. Shapes use: H hidden, I intermediate, V vocab,
// Hq/Hkv heads, D head dim, r LoRA rank.

export interface DecoderDims {
  hidden: number; // H
  intermediate: number; // I
  layers: number;
  heads: number; // Hq
  kvHeads: number; // Hkv
  headDim: number; // D
  vocab: number; // V
  ropeTheta: number;
  rmsEps: number;
}

import type { LoraModule } from '../../../shared/lora.ts';

export { LORA_MODULES, type LoraModule } from '../../../shared/lora.ts';

/** [out, in] of each linear, HF nn.Linear layout. */
export function linearShape(d: DecoderDims, m: LoraModule): [number, number] {
  const H = d.hidden, I = d.intermediate, q = d.heads * d.headDim, kv = d.kvHeads * d.headDim;
  switch (m) {
    case 'q': return [q, H];
    case 'k': return [kv, H];
    case 'v': return [kv, H];
    case 'o': return [H, q];
    case 'gate': return [I, H];
    case 'up': return [I, H];
    case 'down': return [H, I];
  }
}

export interface LayerWeights<T> {
  inputNorm: T; // [H]
  postNorm: T; // [H]
  q: T; k: T; v: T; o: T; gate: T; up: T; down: T; // [out, in] each (linearShape)
}

export interface DecoderWeights<T> {
  embed: T; // [V, H]
  layers: LayerWeights<T>[];
  finalNorm: T; // [H]
  lmHead: T; // [V, H] (the embed tensor itself when tied)
}

/** PEFT LoRA pair: A [r, in], B [out, r]; y += (alpha/r)·(x·Aᵀ)·Bᵀ. */
export interface LoraPair<T> {
  A: T;
  B: T;
}

export interface Adapters<T> {
  rank: number;
  alpha: number;
  modules: readonly LoraModule[];
  /** layers[l][module] for every module in `modules`. */
  layers: Partial<Record<LoraModule, LoraPair<T>>>[];
}

/** One batch of token sequences, all length T (right/left padded), flattened to rows B·T. */
export interface DecoderBatch {
  batch: number; // B
  seqLen: number; // T
  ids: Uint32Array; // [B·T]
  positions: Uint32Array; // [B·T] (RoPE positions; padding-aware)
  keyMask: Uint32Array | null; // [B·T] 1 = real token
  /** ≥ 0: row takes its input vector from `extra` row srcIndex (image features, soft prompts). */
  srcIndex: Int32Array | null; // [B·T]
  labels: Int32Array | null; // [B·T] next-token labels, −100 = ignore
}
