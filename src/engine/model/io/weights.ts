/**
 * The tensors an Idefics3 / SmolVLM checkpoint holds, with their Hugging Face names and
 * shapes, and a loader that checks every one.
 *
 * Public API:
 *   expectedWeights(config): WeightSpec[]            — in checkpoint order (vision, connector, text)
 *   visionWeightNames(config) / isVisionWeight(name)  — vision tower + connector only
 *   loadWeights(folder, config, { onProgress?, maxBufferBytes?, only? }) → Map<name, {shape, data}>
 *   loadStoredWeights(folder, config, opts) → Map<name, {shape, dtype, data}>  — same checks, data in
 *                                            the stored precision (BF16/F16 as raw halves, for the GPU)
 *   checkHeldWeights(checkpoint, config)  — every expected tensor the folder HOLDS has the config's
 *                                            shape (headers only; vision ones too, even when an
 *                                            ONNX encoder will replace them)
 *
 * Names (transformers modeling_idefics3.py, Idefics3ForConditionalGeneration, prefix `model.`):
 *   model.vision_model.embeddings.patch_embedding.{weight [Dv,C,p,p], bias [Dv]}
 *   model.vision_model.embeddings.position_embedding.weight          [(S/p)^2, Dv]
 *   model.vision_model.encoder.layers.N.layer_norm{1,2}.{weight,bias} [Dv]
 *   model.vision_model.encoder.layers.N.self_attn.{q,k,v,out}_proj.{weight [Dv,Dv], bias [Dv]}
 *   model.vision_model.encoder.layers.N.mlp.fc1.{weight [Iv,Dv], bias [Iv]}, fc2 [Dv,Iv], [Dv]
 *   model.vision_model.post_layernorm.{weight,bias}                   [Dv]
 *   model.connector.modality_projection.proj.weight                  [Dt, Dv*scale^2]  (no bias)
 *   model.text_model.embed_tokens.weight                             [V, Dt]
 *   model.text_model.layers.N.{input_layernorm,post_attention_layernorm}.weight [Dt]
 *   model.text_model.layers.N.self_attn.q_proj.weight [H*hd, Dt], k_proj/v_proj [KV*hd, Dt],
 *                                       o_proj [Dt, H*hd]   (no biases: Llama)
 *   model.text_model.layers.N.mlp.{gate_proj,up_proj} [It, Dt], down_proj [Dt, It]
 *   model.text_model.norm.weight [Dt]
 *   lm_head.weight [V, Dt]  — absent when tie_word_embeddings (then embed_tokens is reused)
 * Linear weights are PyTorch layout [out, in]. Trap: a tied checkpoint that still stores
 * lm_head.weight is fine; we just do not ask for it.
 */
import type { VlmConfig } from '../config.ts';
import { Checkpoint, type StoredData } from './safetensors.ts';
import { ShapeMismatchError } from './errors.ts';
import type { LoadProgress, ModelFolder } from './folder.ts';

export interface WeightSpec {
  name: string;
  shape: number[];
}

export interface LoadedTensor {
  shape: number[];
  data: Float32Array;
}

/** A tensor in its stored precision: f32, or bf16/f16 raw halves. */
export type StoredTensor = { shape: number[] } & StoredData;

export function expectedWeights(c: VlmConfig): WeightSpec[] {
  const out: WeightSpec[] = [];
  const add = (name: string, ...shape: number[]) => out.push({ name, shape });
  const v = c.vision, t = c.text;
  const Dv = v.hidden_size, p = v.patch_size, side = v.image_size / p;
  const ve = 'model.vision_model.embeddings.';
  add(ve + 'patch_embedding.weight', Dv, v.num_channels, p, p);
  add(ve + 'patch_embedding.bias', Dv);
  add(ve + 'position_embedding.weight', side * side, Dv);
  for (let i = 0; i < v.num_hidden_layers; i++) {
    const l = `model.vision_model.encoder.layers.${i}.`;
    add(l + 'layer_norm1.weight', Dv); add(l + 'layer_norm1.bias', Dv);
    for (const proj of ['q_proj', 'k_proj', 'v_proj', 'out_proj']) {
      add(l + `self_attn.${proj}.weight`, Dv, Dv); add(l + `self_attn.${proj}.bias`, Dv);
    }
    add(l + 'layer_norm2.weight', Dv); add(l + 'layer_norm2.bias', Dv);
    add(l + 'mlp.fc1.weight', v.intermediate_size, Dv); add(l + 'mlp.fc1.bias', v.intermediate_size);
    add(l + 'mlp.fc2.weight', Dv, v.intermediate_size); add(l + 'mlp.fc2.bias', Dv);
  }
  add('model.vision_model.post_layernorm.weight', Dv);
  add('model.vision_model.post_layernorm.bias', Dv);
  add('model.connector.modality_projection.proj.weight', t.hidden_size, Dv * c.scaleFactor * c.scaleFactor);
  const Dt = t.hidden_size, hd = t.head_dim;
  add('model.text_model.embed_tokens.weight', t.vocab_size, Dt);
  for (let i = 0; i < t.num_hidden_layers; i++) {
    const l = `model.text_model.layers.${i}.`;
    add(l + 'input_layernorm.weight', Dt);
    add(l + 'self_attn.q_proj.weight', t.num_attention_heads * hd, Dt);
    add(l + 'self_attn.k_proj.weight', t.num_key_value_heads * hd, Dt);
    add(l + 'self_attn.v_proj.weight', t.num_key_value_heads * hd, Dt);
    add(l + 'self_attn.o_proj.weight', Dt, t.num_attention_heads * hd);
    add(l + 'post_attention_layernorm.weight', Dt);
    add(l + 'mlp.gate_proj.weight', t.intermediate_size, Dt);
    add(l + 'mlp.up_proj.weight', t.intermediate_size, Dt);
    add(l + 'mlp.down_proj.weight', Dt, t.intermediate_size);
  }
  add('model.text_model.norm.weight', Dt);
  if (!t.tie_word_embeddings) add('lm_head.weight', t.vocab_size, Dt);
  return out;
}

export function isVisionWeight(name: string): boolean {
  return name.startsWith('model.vision_model.') || name.startsWith('model.connector.');
}

export function visionWeightNames(c: VlmConfig): string[] {
  return expectedWeights(c).map((w) => w.name).filter(isVisionWeight);
}

export interface LoadWeightsOptions {
  onProgress?: LoadProgress;
  /** maxStorageBufferBindingSize of the device; checked per tensor (float32 size). */
  maxBufferBytes?: number;
  /** Tensors exempt from maxBufferBytes (tables the GPU side splits in row parts). */
  splittable?: (name: string) => boolean;
  /** Load only the tensors this accepts (e.g. isVisionWeight, or the decoder only). */
  only?: (name: string) => boolean;
  /** An already opened checkpoint (saves re-reading headers). */
  checkpoint?: Checkpoint;
}

/** Throws ShapeMismatchError (file, tensor, expected vs stored) for the first held tensor whose
 * shape differs from the config's; absent tensors are left to loadWeights (the vision ones may
 * legitimately be missing when the folder ships an ONNX vision encoder). Reads headers only. */
export function checkHeldWeights(ckpt: Checkpoint, config: VlmConfig): void {
  for (const s of expectedWeights(config)) {
    if (!ckpt.has(s.name)) continue;
    const info = ckpt.info(s.name);
    if (info.shape.length !== s.shape.length || info.shape.some((d, i) => d !== s.shape[i])) {
      throw new ShapeMismatchError(info.file, s.name, s.shape, info.shape);
    }
  }
}

/**
 * Reads the expected tensors as float32, checking presence and shape of each before reading
 * it. Progress counts stored bytes (what travels over the network), file = the shard name.
 */
export async function loadWeights(folder: ModelFolder, config: VlmConfig, opts: LoadWeightsOptions = {}): Promise<Map<string, LoadedTensor>> {
  return readAll(folder, config, opts, (ckpt, s) => ckpt.readF32(s.name, { expectedShape: s.shape, maxBufferBytes: limit(opts, s.name) })
    .then((data) => ({ shape: s.shape, data })));
}

/** loadWeights in the stored precision (maxBufferBytes against the stored bytes). */
export async function loadStoredWeights(folder: ModelFolder, config: VlmConfig, opts: LoadWeightsOptions = {}): Promise<Map<string, StoredTensor>> {
  return readAll(folder, config, opts, (ckpt, s) => ckpt.readStored(s.name, { expectedShape: s.shape, maxBufferBytes: limit(opts, s.name) })
    .then((d) => ({ shape: s.shape, ...d })));
}

const limit = (o: LoadWeightsOptions, name: string) => (o.splittable?.(name) ? undefined : o.maxBufferBytes);

async function readAll<T>(
  folder: ModelFolder, config: VlmConfig, opts: LoadWeightsOptions, read: (ckpt: Checkpoint, s: WeightSpec) => Promise<T>,
): Promise<Map<string, T>> {
  const ckpt = opts.checkpoint ?? (await Checkpoint.open(folder));
  const specs = expectedWeights(config).filter((w) => !opts.only || opts.only(w.name));
  // Validate everything first, so a wrong checkpoint fails before megabytes are fetched.
  const infos = specs.map((s) => {
    const info = ckpt.info(s.name);
    if (info.shape.length !== s.shape.length || info.shape.some((d, i) => d !== s.shape[i])) {
      throw new ShapeMismatchError(info.file, s.name, s.shape, info.shape);
    }
    return { s, info };
  });
  let total = 0;
  for (const { info } of infos) total += info.end - info.begin;
  let loaded = 0;
  const out = new Map<string, T>();
  for (const { s, info } of infos) {
    const t = await read(ckpt, s);
    loaded += info.end - info.begin;
    opts.onProgress?.(loaded, total, info.file);
    out.set(s.name, t);
  }
  return out;
}
