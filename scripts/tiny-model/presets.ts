/**
 * Writer presets with the exact architecture of the real SmolVLM checkpoints (random weights):
 *
 *   smolvlm-256m  HuggingFaceTB/SmolVLM-256M-Instruct: SigLIP-B/16-512 vision (768 wide,
 *                 12 layers, 12 heads, MLP 3072, 512 px, patch 16), scale factor 4 (64 tokens
 *                 per 512-px image), SmolLM2-135M text (576 wide, 30 layers, 9/3 heads,
 *                 head_dim 64, MLP 1536, rope θ 1e5), vocab 49280, bf16, a separate lm_head
 *   smolvlm-500m  HuggingFaceTB/SmolVLM-500M-Instruct: the same vision tower, SmolLM2-360M
 *                 text (960 wide, 32 layers, 15/5 heads, head_dim 64, MLP 2560)
 *
 * Both use the real file structure (layout 'smolvlm': tokenizer ids of smolvlm-tokenizer.ts,
 * preprocessor with do_image_splitting true, size.longest_edge 2048, max_image_size 512,
 * processor_config.json, chat_template.json).
 *
 *   presetOptions(name, { layers?, tied? }) → TinyModelOptions
 *     layers: cut BOTH towers to N layers, keeping every width and the vocabulary — a
 *     full-vocabulary, full-width model small enough for tests.
 *     tied: write no lm_head (tie_word_embeddings true), the loader's tied path.
 *
 * Tokenizer merges: learned (up to 4000; the corpus yields ≈ 250) from the scene captions plus the
 * short and long captions of 200 synthetic scenes (seed 99, not a training seed), so a 220-character
 * long caption is ≈ 47 tokens instead of ≈ 120 bytes-level pieces: real SmolVLM's tokenizer also
 * spends about one token per word, and sequence length drives the cost of a real-size step.
 *
 * Tied or not: the Hub's parameter counts (256.5M and 507.5M) add up only WITH a separate
 * lm_head (the architecture above gives 228.1M / 460.2M tied, + 49280 × hidden untied), and
 * Idefics3Config's default is tie_word_embeddings false — so the presets default to untied;
 * presets.test.ts checks the counts.
 */
import { generateSynthetic } from '../../src/engine/data/synthetic/generate.ts';
import { sceneCaptions } from './bpe.ts';
import { DEFAULT_TINY, type TinyModelOptions } from './tiny-model.ts';

export const PRESET_NAMES = ['smolvlm-256m', 'smolvlm-500m'] as const;
export type PresetName = (typeof PRESET_NAMES)[number];

const VISION_SIGLIP_B16_512 = { hidden: 768, layers: 12, heads: 12, intermediate: 3072, image: 512, patch: 16 };

const TEXT: Record<PresetName, TinyModelOptions['text']> = {
  'smolvlm-256m': { hidden: 576, layers: 30, heads: 9, kvHeads: 3, headDim: 64, intermediate: 1536,
    ropeTheta: 100000, rmsNormEps: 1e-5, maxPositions: 8192 },
  'smolvlm-500m': { hidden: 960, layers: 32, heads: 15, kvHeads: 5, headDim: 64, intermediate: 2560,
    ropeTheta: 100000, rmsNormEps: 1e-5, maxPositions: 8192 },
};

export function isPresetName(s: string): s is PresetName {
  return (PRESET_NAMES as readonly string[]).includes(s);
}

let corpus: string[] | undefined;
function mergeCorpus(): string[] {
  if (!corpus) {
    const d = generateSynthetic({ seed: 99, train: 200, val: 0, test: 0, winoground: 0 });
    corpus = [...sceneCaptions(), ...d.train.flatMap((s) => [s.caption, s.longCaption])];
  }
  return corpus;
}

export function presetOptions(name: PresetName, opts: { layers?: number; tied?: boolean } = {}): TinyModelOptions {
  const vision = { ...VISION_SIGLIP_B16_512 };
  const text = { ...TEXT[name] };
  if (opts.layers !== undefined) {
    if (!Number.isInteger(opts.layers) || opts.layers <= 0) throw new Error(`--layers needs a positive integer, got ${opts.layers}`);
    vision.layers = Math.min(vision.layers, opts.layers);
    text.layers = Math.min(text.layers, opts.layers);
  }
  return {
    ...DEFAULT_TINY,
    dtype: 'bf16',
    numMerges: 4000,
    corpus: mergeCorpus(),
    vision,
    text,
    scaleFactor: 4,
    tieWordEmbeddings: opts.tied ?? false,
    layout: 'smolvlm',
  };
}
