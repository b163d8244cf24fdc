/**
 * The pretrained model's files: the seeded initial folder the run starts from, and the final
 * Hugging Face folder written from the trained weights.
 *
 * Public API:
 *   initialModel({ seed, imageSize, dims? }) → TinyModel      (scripts/tiny-model buildTinyModel)
 *     DEFAULT_TINY dims unless `dims` (the --text-…, --vision-… and --patch flags), f32, a BPE tokenizer whose merges are learned from the synthetic
 *     benchmark's TRAIN captions (short and long, ' '-prefixed) plus the prompt sentences,
 *     so every caption word is one token; tensors drawn by buildTinyModel's seeded init.
 *   trainedFiles(init, weights, card) → Record<path, Uint8Array>
 *     config.json, tokenizer.json, tokenizer_config.json, preprocessor_config.json,
 *     generation_config.json (all from `init`), model.safetensors (trained, f32, expectedWeights
 *     order and HF shapes), onnx/vision_encoder.onnx (buildVisionEncoderOnnx of the trained
 *     tensors), README.md (model card, card.ts).
 * Trap: `weights` must hold exactly the names of expectedWeights(config) — a missing or extra
 * tensor is an error (a silently stale tensor would ship a half-random model).
 */
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { expectedWeights } from '../../src/engine/model/io/weights.ts';
import { writeSafetensors, type TensorToWrite } from '../../src/engine/model/io/safetensors.ts';
import { DEFAULT_IMAGE_PROMPT, DEFAULT_TEXT_PROMPT } from '../../src/engine/model/prompt.ts';
import { captionCorpus } from '../../src/engine/train/pretrain/data.ts';
import { buildTinyModel, DEFAULT_TINY, type TinyModel, type TinyModelOptions } from '../tiny-model/tiny-model.ts';
import { buildVisionEncoderOnnx } from '../tiny-model/vision-onnx.ts';
import { modelCard, type CardInfo } from './card.ts';

export interface InitOptions {
  seed: number;
  imageSize: number;
  /** Width/depth (args.ts modelDims); default DEFAULT_TINY's (the shipped v1 dims). */
  dims?: { vision: Omit<TinyModelOptions['vision'], 'image'>; text: Pick<TinyModelOptions['text'], 'hidden' | 'layers' | 'heads' | 'kvHeads' | 'headDim' | 'intermediate'> };
}

/** Merge budget: the benchmark's word list is small, so BPE stops (no pair seen twice) well before. */
const MAX_MERGES = 2000;

export function initialModel(o: InitOptions): TinyModel {
  const prompts = [DEFAULT_IMAGE_PROMPT, DEFAULT_TEXT_PROMPT, 'User: Assistant: Describe this image.']
    .map((p) => p.replace(/<image>|<sent>/g, ''));
  const corpus = [...captionCorpus(syntheticBenchmark().train), ...prompts];
  return buildTinyModel({
    seed: o.seed, dtype: 'f32', shards: 1, numMerges: MAX_MERGES, corpus,
    vision: { ...DEFAULT_TINY.vision, ...o.dims?.vision, image: o.imageSize },
    text: { ...DEFAULT_TINY.text, ...o.dims?.text },
  });
}

export function trainedFiles(init: TinyModel, weights: ReadonlyMap<string, Float32Array>, card: CardInfo): Record<string, Uint8Array> {
  const specs = expectedWeights(init.config);
  const extra = [...weights.keys()].filter((n) => !specs.some((s) => s.name === n));
  if (extra.length) throw new Error(`trainedFiles: unexpected tensors ${extra.join(', ')}`);
  const tensors: Record<string, TensorToWrite> = {};
  const shaped = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const s of specs) {
    const data = weights.get(s.name);
    if (!data) throw new Error(`trainedFiles: trained tensor ${s.name} is missing`);
    const n = s.shape.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`trainedFiles: ${s.name} has ${data.length} values, want [${s.shape}] = ${n}`);
    tensors[s.name] = { dtype: 'F32', shape: s.shape, data };
    shaped.set(s.name, { shape: s.shape, data });
  }
  const keep = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json', 'generation_config.json'];
  const files: Record<string, Uint8Array> = {};
  for (const k of keep) files[k] = init.files[k];
  files['model.safetensors'] = writeSafetensors(tensors, { format: 'pt' });
  files['onnx/vision_encoder.onnx'] = buildVisionEncoderOnnx(init.config, shaped);
  files['README.md'] = new TextEncoder().encode(modelCard(init.config, card));
  return files;
}
