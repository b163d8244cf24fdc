/**
 * config.json of an Idefics3 / SmolVLM model folder → a validated, typed `VlmConfig`.
 *
 * Public API:
 *   parseVlmConfig(json: unknown, file = 'config.json'): VlmConfig
 *   class UnsupportedArchitectureError, class ConfigError
 *
 * Accepted model_type: `idefics3` (SmolVLM v1 checkpoints) and `smolvlm` (SmolVLM2).
 * Defaults are Hugging Face's (transformers configuration_idefics3.py + LlamaConfig):
 *   vision: hidden 1152, intermediate 3072, 12 layers, 16 heads, 3 channels, image 224,
 *           patch 32, layer_norm_eps 1e-6, hidden_act gelu_pytorch_tanh
 *   top:    image_token_id 128257, scale_factor 2, tie_word_embeddings false
 *   text:   (LlamaConfig, with Idefics3's rms_norm_eps override 1e-5) vocab 32000, hidden 4096,
 *           intermediate 11008, 32 layers, 32 heads, kv heads = heads, rope_theta 10000,
 *           max_position_embeddings 2048, head_dim = hidden / heads.
 * Real SmolVLM-256M-Instruct: vision 768/3072/12L/12H, image 512, patch 16; scale 4;
 * text 576/1536/30L/9H/3KV, head_dim 64, vocab 49280, rope_theta 100000; image_token_id 49190.
 * Trap: `tie_word_embeddings` may sit at the top level, in text_config, or both; the top level
 * wins (that is what Idefics3ForConditionalGeneration reads).
 */

export class UnsupportedArchitectureError extends Error {
  constructor(readonly modelType: string, readonly file: string) {
    super(
      `${file}: model_type "${modelType}" is not supported; expected "idefics3" or "smolvlm" ` +
        `(SmolVLM / Idefics3 checkpoints)`,
    );
    this.name = 'UnsupportedArchitectureError';
  }
}

export class ConfigError extends Error {
  constructor(readonly file: string, readonly field: string, detail: string) {
    super(`${file}: field "${field}" ${detail}`);
    this.name = 'ConfigError';
  }
}

export interface VisionConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  image_size: number;
  patch_size: number;
  layer_norm_eps: number;
  num_channels: number;
  hidden_act: string;
}

export interface TextConfig {
  hidden_size: number;
  intermediate_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  num_key_value_heads: number;
  rms_norm_eps: number;
  rope_theta: number;
  vocab_size: number;
  max_position_embeddings: number;
  tie_word_embeddings: boolean;
  head_dim: number;
}

export interface VlmConfig {
  modelType: 'idefics3' | 'smolvlm';
  vision: VisionConfig;
  text: TextConfig;
  scaleFactor: number;
  imageTokenId: number;
  /** (image_size / patch_size)^2 / scale_factor^2 — tokens one (global) image becomes. */
  imageTokensPerImage: number;
  /** The original JSON object, for fields this type does not model. */
  raw: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads a positive integer (or the default when absent). */
function int(o: Obj, key: string, def: number | undefined, file: string, path: string): number {
  const v = o[key];
  if (v === undefined || v === null) {
    if (def === undefined) throw new ConfigError(file, path + key, 'is missing');
    return def;
  }
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    throw new ConfigError(file, path + key, `must be a positive integer, got ${JSON.stringify(v)}`);
  }
  return v;
}

function num(o: Obj, key: string, def: number, file: string, path: string): number {
  const v = o[key];
  if (v === undefined || v === null) return def;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) {
    throw new ConfigError(file, path + key, `must be a positive number, got ${JSON.stringify(v)}`);
  }
  return v;
}

function bool(o: Obj, key: string, file: string, path: string): boolean | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') {
    throw new ConfigError(file, path + key, `must be true or false, got ${JSON.stringify(v)}`);
  }
  return v;
}

function sub(o: Obj, key: string, file: string): Obj {
  const v = o[key];
  if (v === undefined || v === null) return {};
  if (!isObj(v)) throw new ConfigError(file, key, 'must be an object');
  return v;
}

function parseVision(v: Obj, file: string): VisionConfig {
  const p = 'vision_config.';
  const cfg: VisionConfig = {
    hidden_size: int(v, 'hidden_size', 1152, file, p),
    intermediate_size: int(v, 'intermediate_size', 3072, file, p),
    num_hidden_layers: int(v, 'num_hidden_layers', 12, file, p),
    num_attention_heads: int(v, 'num_attention_heads', 16, file, p),
    image_size: int(v, 'image_size', 224, file, p),
    patch_size: int(v, 'patch_size', 32, file, p),
    layer_norm_eps: num(v, 'layer_norm_eps', 1e-6, file, p),
    num_channels: int(v, 'num_channels', 3, file, p),
    hidden_act: typeof v.hidden_act === 'string' ? v.hidden_act : 'gelu_pytorch_tanh',
  };
  if (cfg.hidden_size % cfg.num_attention_heads !== 0) {
    throw new ConfigError(file, p + 'num_attention_heads',
      `(${cfg.num_attention_heads}) must divide hidden_size (${cfg.hidden_size})`);
  }
  if (cfg.image_size % cfg.patch_size !== 0) {
    throw new ConfigError(file, p + 'patch_size',
      `(${cfg.patch_size}) must divide image_size (${cfg.image_size})`);
  }
  if (cfg.hidden_act !== 'gelu_pytorch_tanh') {
    throw new ConfigError(file, p + 'hidden_act',
      `"${cfg.hidden_act}" is not supported; only "gelu_pytorch_tanh" (SigLIP)`);
  }
  return cfg;
}

function parseText(t: Obj, top: Obj, file: string): TextConfig {
  const p = 'text_config.';
  const hidden = int(t, 'hidden_size', 4096, file, p);
  const heads = int(t, 'num_attention_heads', 32, file, p);
  const kv = int(t, 'num_key_value_heads', heads, file, p);
  if (heads % kv !== 0) {
    throw new ConfigError(file, p + 'num_key_value_heads', `(${kv}) must divide num_attention_heads (${heads})`);
  }
  if (t.head_dim === undefined && hidden % heads !== 0) {
    throw new ConfigError(file, p + 'num_attention_heads', `(${heads}) must divide hidden_size (${hidden})`);
  }
  const headDim = int(t, 'head_dim', Math.floor(hidden / heads), file, p);
  const tieTop = bool(top, 'tie_word_embeddings', file, '');
  const tieText = bool(t, 'tie_word_embeddings', file, p);
  // vocab_size: text_config first, then the top level (older Idefics3 configs), then Llama default.
  const vocabDefault = typeof top.vocab_size === 'number' ? top.vocab_size : 32000;
  return {
    hidden_size: hidden,
    intermediate_size: int(t, 'intermediate_size', 11008, file, p),
    num_hidden_layers: int(t, 'num_hidden_layers', 32, file, p),
    num_attention_heads: heads,
    num_key_value_heads: kv,
    rms_norm_eps: num(t, 'rms_norm_eps', 1e-5, file, p),
    rope_theta: num(t, 'rope_theta', 10000, file, p),
    vocab_size: int(t, 'vocab_size', vocabDefault, file, p),
    max_position_embeddings: int(t, 'max_position_embeddings', 2048, file, p),
    tie_word_embeddings: tieTop ?? tieText ?? false,
    head_dim: headDim,
  };
}

/** Parses config.json (already JSON-decoded). `file` only labels errors. */
export function parseVlmConfig(json: unknown, file = 'config.json'): VlmConfig {
  if (!isObj(json)) throw new ConfigError(file, '(root)', 'must be a JSON object');
  const mt = json.model_type;
  if (mt === undefined) throw new ConfigError(file, 'model_type', 'is missing');
  if (mt !== 'idefics3' && mt !== 'smolvlm') {
    throw new UnsupportedArchitectureError(String(mt), file);
  }
  const vision = parseVision(sub(json, 'vision_config', file), file);
  const text = parseText(sub(json, 'text_config', file), json, file);
  const scaleFactor = int(json, 'scale_factor', 2, file, '');
  const imageTokenId = json.image_token_id === 0 ? 0 : int(json, 'image_token_id', 128257, file, '');
  const side = vision.image_size / vision.patch_size;
  if (side % scaleFactor !== 0) {
    throw new ConfigError(file, 'scale_factor',
      `(${scaleFactor}) must divide the patch grid side image_size/patch_size (${side})`);
  }
  if (imageTokenId >= text.vocab_size) {
    throw new ConfigError(file, 'image_token_id', `(${imageTokenId}) must be < text_config.vocab_size (${text.vocab_size})`);
  }
  return {
    modelType: mt,
    vision,
    text,
    scaleFactor,
    imageTokenId,
    imageTokensPerImage: (side * side) / (scaleFactor * scaleFactor),
    raw: json,
  };
}
