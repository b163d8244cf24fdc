/**
 * Every weight of a VLM as one list of full-parameter trainables (pretraining from scratch).
 *
 * Public API:
 *   decoderWeightEntries(w, tied) → { name (HF), t }[]    inverse of vlm.ts uploadDecoder
 *   pretrainTrainables(ctx, decoder, vision, tied) → PretrainParams
 *     .trainables: Trainable[] (params.ts shape: param, grad, m, v, decay), HF names, fixed order
 *     .decoderGrads: DecoderWeights<GpuTensor>   the grads of the decoder, as a weight record
 *                    (what Decoder.backward's `base` takes)
 *     .visionGrads: VisionWeights                the grads of the tower + connector
 *   downloadWeights(ctx, trainables) → Map<HF name, Float32Array>   (reads every param back)
 *   releasePretrainParams(ctx, p)                 frees grads and moments (not the params)
 *
 * Weight decay applies to matrices (rank ≥ 2 on the GPU: linears, embeddings, the patch
 * conv as [D, C·p·p], position embeddings) and not to norms or biases.
 * Trap: the grad records alias the trainables' grad tensors, so clearing `trainables[i].grad`
 * clears what backward accumulates into. With tied embeddings lm_head IS embed_tokens: one
 * trainable, and the decoder grad record's lmHead is the same tensor as its embed.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import type { DecoderWeights, LayerWeights } from '../../model/decoder/types.ts';
import { visionWeightEntries } from '../../model/vision/tower_train.ts';
import type { VisionLayerWeights, VisionWeights } from '../../model/vision/weights.ts';
import type { Trainable } from '../params.ts';

const LAYER_NAMES: [keyof LayerWeights<unknown>, string][] = [
  ['inputNorm', 'input_layernorm.weight'], ['q', 'self_attn.q_proj.weight'], ['k', 'self_attn.k_proj.weight'],
  ['v', 'self_attn.v_proj.weight'], ['o', 'self_attn.o_proj.weight'], ['postNorm', 'post_attention_layernorm.weight'],
  ['gate', 'mlp.gate_proj.weight'], ['up', 'mlp.up_proj.weight'], ['down', 'mlp.down_proj.weight'],
];

/** The decoder's tensors with their checkpoint names (lm_head only when untied). */
export function decoderWeightEntries<T>(w: DecoderWeights<T>, tied: boolean): { name: string; t: T }[] {
  const p = 'model.text_model.';
  const out = [{ name: `${p}embed_tokens.weight`, t: w.embed }];
  w.layers.forEach((L, l) => {
    for (const [k, n] of LAYER_NAMES) out.push({ name: `${p}layers.${l}.${n}`, t: L[k] });
  });
  out.push({ name: `${p}norm.weight`, t: w.finalNorm });
  if (!tied) out.push({ name: 'lm_head.weight', t: w.lmHead });
  return out;
}

export interface PretrainParams {
  trainables: Trainable[];
  decoderGrads: DecoderWeights<GpuTensor>;
  visionGrads: VisionWeights;
}

export function pretrainTrainables(ctx: GpuContext, decoder: DecoderWeights<GpuTensor>, vision: VisionWeights, tied: boolean): PretrainParams {
  const entries = [...visionWeightEntries(vision), ...decoderWeightEntries(decoder, tied)];
  const names = new Set<string>();
  const trainables: Trainable[] = entries.map(({ name, t }) => {
    if (names.has(name)) throw new Error(`pretrain params: tensor ${name} listed twice`);
    names.add(name);
    return {
      name, param: t, decay: t.shape.length >= 2,
      grad: ctx.zeros(t.shape, `grad.${name}`), m: ctx.zeros(t.shape, `adam.m.${name}`), v: ctx.zeros(t.shape, `adam.v.${name}`),
    };
  });
  const byParam = new Map(trainables.map((tr) => [tr.param, tr.grad]));
  const g = (t: GpuTensor) => {
    const x = byParam.get(t);
    if (!x) throw new Error(`pretrain params: no gradient for ${t.label}`);
    return x;
  };
  const decoderGrads: DecoderWeights<GpuTensor> = {
    embed: g(decoder.embed),
    layers: decoder.layers.map((L) => Object.fromEntries(Object.entries(L).map(([k, t]) => [k, g(t)])) as unknown as LayerWeights<GpuTensor>),
    finalNorm: g(decoder.finalNorm),
    lmHead: g(decoder.lmHead), // = the embed grad when tied (same param tensor)
  };
  const visionGrads: VisionWeights = {
    patchW: g(vision.patchW), patchB: g(vision.patchB), pos: g(vision.pos),
    layers: vision.layers.map((L) => Object.fromEntries(Object.entries(L).map(([k, t]) => [k, g(t)])) as unknown as VisionLayerWeights),
    postW: g(vision.postW), postB: g(vision.postB), proj: g(vision.proj),
  };
  return { trainables, decoderGrads, visionGrads };
}

export async function downloadWeights(ctx: GpuContext, trainables: Trainable[]): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const t of trainables) out.set(t.name, await ctx.read(t.param));
  return out;
}

export function releasePretrainParams(ctx: GpuContext, p: PretrainParams): void {
  for (const t of p.trainables) ctx.release(t.grad, t.m, t.v);
}
