// Writer presets (issue 13): the exact architecture and file structure of SmolVLM-256M/500M-Instruct.
// Parameter counts are computed from the config through the real loader's weight list (no weights
// built); a 1-layer cut of the 256M preset is built and read back through the real loaders:
// config parser, bf16 safetensors, tokenizer (@huggingface/tokenizers) with SmolVLM's special ids.
import { describe, expect, it } from 'vitest';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { loadTokenizer } from '../../src/engine/model/io/tokenizer.ts';
import { expectedWeights, loadWeights } from '../../src/engine/model/io/weights.ts';
import { PRESET_NAMES, presetOptions } from './presets.ts';
import { SMOLVLM_SPECIAL_IDS, SMOLVLM_VOCAB_SIZE } from './smolvlm-tokenizer.ts';
import { buildTinyModel, tinyConfigJson } from './tiny-model.ts';

const text = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
/** The safetensors header as written: u64 little-endian length, then that many bytes of JSON. */
function safetensorsHeader(b: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const n = Number(new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true));
  return text(b.subarray(8, 8 + n));
}

function paramCount(name: (typeof PRESET_NAMES)[number]): number {
  const o = presetOptions(name);
  const ids = { '<image>': SMOLVLM_SPECIAL_IDS['<image>'], '<|im_end|>': 2, '<|im_start|>': 1, '<end_of_utterance>': 49279 };
  const cfg = parseVlmConfig(tinyConfigJson(o, SMOLVLM_VOCAB_SIZE, ids));
  return expectedWeights(cfg).reduce((a, w) => a + w.shape.reduce((x, y) => x * y, 1), 0);
}

describe('SmolVLM writer presets', () => {
  it('have the real checkpoints\' sizes: ≈ 256M and ≈ 507M parameters (separate lm_head), widths, --layers', () => {
    // Hub figures: SmolVLM-256M-Instruct 256.5M, SmolVLM-500M-Instruct 507.5M parameters (safetensors, tied).
    const p256 = paramCount('smolvlm-256m'), p500 = paramCount('smolvlm-500m');
    expect(p256 / 1e6).toBeGreaterThan(250);
    expect(p256 / 1e6).toBeLessThan(262);
    expect(p500 / 1e6).toBeGreaterThan(500);
    expect(p500 / 1e6).toBeLessThan(515);
    const o = presetOptions('smolvlm-500m');
    expect(o.text).toMatchObject({ hidden: 960, layers: 32, heads: 15, kvHeads: 5, headDim: 64, intermediate: 2560 });
    expect(o.vision).toMatchObject({ hidden: 768, layers: 12, heads: 12, intermediate: 3072, image: 512, patch: 16 });
    expect(presetOptions('smolvlm-256m', { layers: 2 })).toMatchObject({ vision: { layers: 2, hidden: 768 }, text: { layers: 2, hidden: 576 } });
    expect(() => presetOptions('smolvlm-256m', { layers: 0 })).toThrow(/--layers/);
  });

  it('a 1-layer cut of smolvlm-256m keeps the widths, the 49280 vocabulary and the real file structure', async () => {
    const m = buildTinyModel(presetOptions('smolvlm-256m', { layers: 1 }));
    const folder = folderFromMap('smolvlm-256m-cut', m.files);
    const cfg = text(m.files['config.json']);
    expect(cfg).toMatchObject({ model_type: 'idefics3', scale_factor: 4, image_token_id: 49190, torch_dtype: 'bfloat16' });
    expect(cfg.text_config).toMatchObject({ hidden_size: 576, num_hidden_layers: 1, num_attention_heads: 9, num_key_value_heads: 3,
      head_dim: 64, intermediate_size: 1536, vocab_size: 49280, rope_theta: 100000, max_position_embeddings: 8192 });
    expect(cfg.vision_config).toMatchObject({ hidden_size: 768, num_hidden_layers: 1, image_size: 512, patch_size: 16,
      max_image_size: { longest_edge: 512 }, size: { longest_edge: 2048 } });
    expect(m.config.imageTokensPerImage).toBe(64);
    expect(text(m.files['preprocessor_config.json'])).toMatchObject({ do_image_splitting: true, size: { longest_edge: 2048 },
      max_image_size: { longest_edge: 512 }, resample: 1, image_processor_type: 'Idefics3ImageProcessor' });
    expect(text(m.files['processor_config.json'])).toEqual({ image_seq_len: 64, processor_class: 'Idefics3Processor' });
    expect(text(m.files['chat_template.json']).chat_template).toContain('<end_of_utterance>');

    // bf16 on disk; the embedding table and the (untied) lm_head are 49280 × 576; --tied drops lm_head.
    const header = safetensorsHeader(m.files['model.safetensors']);
    expect(header['model.text_model.embed_tokens.weight']).toMatchObject({ dtype: 'BF16', shape: [49280, 576] });
    expect(header['lm_head.weight']).toMatchObject({ dtype: 'BF16', shape: [49280, 576] });
    expect(cfg.tie_word_embeddings).toBe(false);
    const tied = presetOptions('smolvlm-256m', { layers: 1, tied: true });
    expect(tied.tieWordEmbeddings).toBe(true);
    const w = await loadWeights(folder, m.config, { only: (n) => n.includes('embed_tokens') || n.includes('layers.0.self_attn.q_proj') });
    for (const [name, t] of w) expect(t.data.length, name).toBe(m.weights[name].data.length);

    // Tokenizer: SmolVLM's ids for the VLM tokens (not right after the merges), text round trip.
    const tok = await loadTokenizer(folder);
    const tj = text(m.files['tokenizer.json']);
    expect(tj.added_tokens.length).toBe(3 + (SMOLVLM_VOCAB_SIZE - 49152));
    for (const [s, id] of Object.entries(SMOLVLM_SPECIAL_IDS)) {
      expect(tok.tokenId(s), s).toBe(id);
      expect(tok.encode(s), s).toEqual([id]);
    }
    expect(tok.encode('<row_6_col_6>')).toEqual([49188]);
    const ids = tok.encode('<fake_token_around_image><global-img><image><image>a red cube left of a blue ball 12');
    expect(ids.slice(0, 4)).toEqual([49189, 49152, 49190, 49190]);
    expect(Math.max(...ids.slice(4))).toBeLessThan(49152);
    expect(tok.decode(ids.slice(4))).toBe('a red cube left of a blue ball 12');
    expect(tok.eosId).toBe(49279);
    // Merges learned from scene captions: about a token per word, as with SmolVLM's real tokenizer.
    const long = 'There is a large red cube in the top left of the image. There is a small blue ball in the bottom right of the image. ' +
      'The red cube is to the left of and above the blue ball, and it is larger.';
    expect(tok.encode(long).length).toBeLessThan(long.split(' ').length * 1.2);
  });
});
