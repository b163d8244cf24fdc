/**
 * Builds a random tiny Idefics3 / SmolVLM model folder in memory, byte-for-byte in the layout
 * Hugging Face writes (see write-tiny-model.ts for the CLI that puts it on disk).
 *
 * Public API:
 *   DEFAULT_TINY: TinyModelOptions
 *   buildTinyModel(opts?) → { files: Record<path, Uint8Array>, config: VlmConfig,
 *                             weights: Record<name, {shape, data}> }   (data = stored values)
 * Files: config.json, model.safetensors | model-0000k-of-0000N.safetensors +
 * model.safetensors.index.json, tokenizer.json, tokenizer_config.json,
 * preprocessor_config.json, generation_config.json, onnx/vision_encoder.onnx.
 * Determinism: one seeded Rng draws every tensor in expectedWeights() order.
 * Trap: weights are rounded through the chosen dtype BEFORE the ONNX graph is built, so the
 * ONNX initializers equal what a loader reads back from the safetensors (f16/bf16 included).
 */
import { parseVlmConfig, type VlmConfig } from '../../src/engine/model/config.ts';
import { decodeToF32, encodeFromF32, type SafeDtype } from '../../src/engine/model/io/dtype.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/engine/model/io/safetensors.ts';
import { expectedWeights } from '../../src/engine/model/io/weights.ts';
import { SMOLVLM_CHAT_TEMPLATE } from '../../src/engine/model/prompt.ts';
import { buildTokenizerJson, LEADING_SPECIALS, VLM_SPECIALS, type TokenizerBuild } from './bpe.ts';
import { Rng } from './random.ts';
import { buildSmolvlmTokenizerJson } from './smolvlm-tokenizer.ts';
import { buildVisionEncoderOnnx } from './vision-onnx.ts';

export interface TinyModelOptions {
  seed: number;
  dtype: 'f32' | 'f16' | 'bf16';
  shards: number;
  numMerges: number;
  vision: { hidden: number; layers: number; heads: number; intermediate: number; image: number; patch: number };
  text: { hidden: number; layers: number; heads: number; kvHeads: number; headDim: number; intermediate: number;
    ropeTheta: number; rmsNormEps: number; maxPositions: number };
  scaleFactor: number;
  tieWordEmbeddings: boolean;
  /** Text the BPE merges are learned from (default: bpe.ts sceneCaptions()). */
  corpus?: string[];
  /** 'tiny' (default): compact ids, specials after the merges, one-tile preprocessor.
   *  'smolvlm': the real checkpoints' file structure — ids padded to 49280 with the VLM tokens
   *  at SmolVLM's ids (smolvlm-tokenizer.ts), do_image_splitting true, size.longest_edge 2048,
   *  processor_config.json, chat_template.json (presets.ts). */
  layout?: 'tiny' | 'smolvlm';
}

export const DEFAULT_TINY: TinyModelOptions = {
  seed: 1234,
  dtype: 'f32',
  shards: 1,
  numMerges: 200,
  vision: { hidden: 32, layers: 2, heads: 4, intermediate: 64, image: 32, patch: 8 },
  text: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediate: 128, ropeTheta: 10000,
    rmsNormEps: 1e-5, maxPositions: 512 },
  scaleFactor: 2,
  tieWordEmbeddings: false,
};

const DTYPE: Record<TinyModelOptions['dtype'], SafeDtype> = { f32: 'F32', f16: 'F16', bf16: 'BF16' };
const TORCH_DTYPE = { f32: 'float32', f16: 'float16', bf16: 'bfloat16' };

const json = (o: unknown) => new TextEncoder().encode(JSON.stringify(o, null, 2) + '\n');

/** Random init with readable scale: linears ~ N(0, 1/fan_in), norms ~ 1 + N(0, 0.1^2). */
function initTensor(rng: Rng, name: string, shape: number[]): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  if (/norm|layer_norm/.test(name)) {
    return name.endsWith('.bias') ? rng.normalArray(n, 0.05) : rng.normalArray(n, 0.1, 1);
  }
  if (name.endsWith('.bias')) return rng.normalArray(n, 0.05);
  if (name.includes('position_embedding')) return rng.normalArray(n, 0.3);
  if (name.includes('embed_tokens')) return rng.normalArray(n, 0.5);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  return rng.normalArray(n, 1 / Math.sqrt(fanIn));
}

export function tinyConfigJson(o: TinyModelOptions, vocabSize: number, ids: Record<string, number>): Record<string, unknown> {
  return {
    architectures: ['Idefics3ForConditionalGeneration'],
    model_type: 'idefics3',
    image_token_id: ids['<image>'],
    scale_factor: o.scaleFactor,
    tie_word_embeddings: o.tieWordEmbeddings,
    pad_token_id: ids['<|im_end|>'],
    torch_dtype: TORCH_DTYPE[o.dtype],
    use_cache: true,
    transformers_version: '4.46.0',
    text_config: {
      model_type: 'llama',
      architectures: ['VLlama3ForCausalLM'],
      hidden_size: o.text.hidden,
      intermediate_size: o.text.intermediate,
      num_hidden_layers: o.text.layers,
      num_attention_heads: o.text.heads,
      num_key_value_heads: o.text.kvHeads,
      head_dim: o.text.headDim,
      hidden_act: 'silu',
      max_position_embeddings: o.text.maxPositions,
      rms_norm_eps: o.text.rmsNormEps,
      rope_theta: o.text.ropeTheta,
      vocab_size: vocabSize,
      tie_word_embeddings: o.tieWordEmbeddings,
      bos_token_id: ids['<|im_start|>'],
      eos_token_id: ids['<end_of_utterance>'],
      pad_token_id: ids['<|im_end|>'],
    },
    vision_config: {
      model_type: 'idefics3_vision',
      hidden_size: o.vision.hidden,
      intermediate_size: o.vision.intermediate,
      num_hidden_layers: o.vision.layers,
      num_attention_heads: o.vision.heads,
      image_size: o.vision.image,
      patch_size: o.vision.patch,
      num_channels: 3,
      hidden_act: 'gelu_pytorch_tanh',
      layer_norm_eps: 1e-6,
      max_image_size: { longest_edge: o.vision.image },
      ...(o.layout === 'smolvlm' ? { size: { longest_edge: 2048 }, use_base_siglip: true } : {}),
    },
  };
}

function tokenizerConfigJson(tok: TokenizerBuild): Record<string, unknown> {
  const ids = tok.specialIds;
  const decoder: Record<string, unknown> = {};
  // Every added token of tokenizer.json, keyed by id (HF writes them all, in id order).
  const added = (tok.json.added_tokens as { id: number; content: string }[]) ?? [];
  const entries = added.length ? added.map((t) => [t.id, t.content] as const)
    : [...LEADING_SPECIALS, ...VLM_SPECIALS].map((s) => [ids[s], s] as const);
  for (const [id, content] of entries) {
    decoder[String(id)] = { content, lstrip: false, normalized: false, rstrip: false, single_word: false, special: true };
  }
  return {
    add_prefix_space: false,
    added_tokens_decoder: decoder,
    additional_special_tokens: VLM_SPECIALS.filter((s) => s !== '<end_of_utterance>'),
    bos_token: '<|im_start|>',
    eos_token: '<end_of_utterance>',
    pad_token: '<|im_end|>',
    unk_token: '<|endoftext|>',
    clean_up_tokenization_spaces: false,
    legacy: false,
    model_max_length: 8192,
    processor_class: 'Idefics3Processor',
    tokenizer_class: 'GPT2Tokenizer',
    chat_template: SMOLVLM_CHAT_TEMPLATE,
  };
}

/** SmolVLM's preprocessor_config.json as the Hub ships it: the image is split into 512-px tiles
 *  (do_image_splitting) after resizing its longest edge to ≤ 2048; Discern embeds the global
 *  image only (max_image_size.longest_edge, see src/engine/data/preprocess.ts). */
function smolvlmPreprocessorJson(tile: number): Record<string, unknown> {
  return {
    do_convert_rgb: true,
    do_image_splitting: true,
    do_normalize: true,
    do_pad: true,
    do_rescale: true,
    do_resize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_processor_type: 'Idefics3ImageProcessor',
    image_std: [0.5, 0.5, 0.5],
    max_image_size: { longest_edge: tile },
    processor_class: 'Idefics3Processor',
    resample: 1,
    rescale_factor: 1 / 255,
    size: { longest_edge: 2048 },
  };
}

export interface TinyModel {
  files: Record<string, Uint8Array>;
  config: VlmConfig;
  weights: Record<string, { shape: number[]; data: Float32Array }>;
}

export function buildTinyModel(partial: Partial<TinyModelOptions> = {}): TinyModel {
  const o: TinyModelOptions = {
    ...DEFAULT_TINY, ...partial,
    vision: { ...DEFAULT_TINY.vision, ...partial.vision },
    text: { ...DEFAULT_TINY.text, ...partial.text },
  };
  const tok = o.layout === 'smolvlm' ? buildSmolvlmTokenizerJson(o.numMerges, o.corpus) : buildTokenizerJson(o.numMerges, o.corpus);
  const ids = tok.specialIds;
  const configJson = tinyConfigJson(o, tok.vocabSize, ids);
  const config = parseVlmConfig(configJson);
  const dtype = DTYPE[o.dtype];
  const rng = new Rng(o.seed);
  const weights: TinyModel['weights'] = {};
  const toWrite: Record<string, TensorToWrite> = {};
  for (const spec of expectedWeights(config)) {
    const raw = initTensor(rng, spec.name, spec.shape);
    // Round through the stored dtype so every consumer sees identical values.
    const stored = decodeToF32(dtype, encodeFromF32(dtype, raw), raw.length);
    weights[spec.name] = { shape: spec.shape, data: stored };
    toWrite[spec.name] = { dtype, shape: spec.shape, data: stored };
  }
  const files: Record<string, Uint8Array> = {};
  const meta = { format: 'pt' };
  if (o.shards <= 1) {
    files['model.safetensors'] = writeSafetensors(toWrite, meta);
  } else {
    const names = Object.keys(toWrite);
    const groups: string[][] = Array.from({ length: o.shards }, () => []);
    names.forEach((n, i) => groups[Math.floor((i * o.shards) / names.length)].push(n));
    const weightMap: Record<string, string> = {};
    let totalSize = 0;
    groups.forEach((g, k) => {
      const file = `model-${String(k + 1).padStart(5, '0')}-of-${String(o.shards).padStart(5, '0')}.safetensors`;
      const part: Record<string, TensorToWrite> = {};
      for (const n of g) {
        part[n] = toWrite[n];
        weightMap[n] = file;
        totalSize += toWrite[n].data.length * (dtype === 'F32' ? 4 : 2);
      }
      files[file] = writeSafetensors(part, meta);
    });
    files['model.safetensors.index.json'] = json({ metadata: { total_size: totalSize }, weight_map: weightMap });
  }
  files['config.json'] = json(configJson);
  files['tokenizer.json'] = json(tok.json);
  files['tokenizer_config.json'] = json(tokenizerConfigJson(tok));
  if (o.layout === 'smolvlm') {
    files['preprocessor_config.json'] = json(smolvlmPreprocessorJson(o.vision.image));
    files['processor_config.json'] = json({ image_seq_len: config.imageTokensPerImage, processor_class: 'Idefics3Processor' });
    files['chat_template.json'] = json({ chat_template: SMOLVLM_CHAT_TEMPLATE });
  } else files['preprocessor_config.json'] = json({
    image_processor_type: 'Idefics3ImageProcessor',
    processor_class: 'Idefics3Processor',
    do_convert_rgb: true,
    do_resize: true,
    size: { longest_edge: o.vision.image },
    max_image_size: { longest_edge: o.vision.image },
    resample: 1,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: true,
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
    do_image_splitting: false,
    do_pad: true,
  });
  files['generation_config.json'] = json({
    _from_model_config: true,
    bos_token_id: ids['<|im_start|>'],
    eos_token_id: [ids['<end_of_utterance>']],
    pad_token_id: ids['<|im_end|>'],
    transformers_version: '4.46.0',
  });
  const w = new Map(Object.entries(weights));
  files['onnx/vision_encoder.onnx'] = buildVisionEncoderOnnx(config, w);
  return { files, config, weights };
}
