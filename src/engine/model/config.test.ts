import { describe, expect, it } from 'vitest';
import { ConfigError, parseVlmConfig, UnsupportedArchitectureError } from './config.ts';

// Field values of HuggingFaceTB/SmolVLM-256M-Instruct config.json (trimmed to modelled fields).
const SMOLVLM_256M = {
  architectures: ['Idefics3ForConditionalGeneration'],
  image_token_id: 49190,
  model_type: 'idefics3',
  scale_factor: 4,
  tie_word_embeddings: false,
  text_config: {
    head_dim: 64, hidden_size: 576, intermediate_size: 1536, max_position_embeddings: 8192, model_type: 'llama',
    num_attention_heads: 9, num_hidden_layers: 30, num_key_value_heads: 3, rms_norm_eps: 1e-5, rope_theta: 100000,
    vocab_size: 49280,
  },
  vision_config: {
    hidden_size: 768, image_size: 512, intermediate_size: 3072, model_type: 'idefics3',
    num_attention_heads: 12, num_hidden_layers: 12, patch_size: 16,
  },
};

describe('parseVlmConfig', () => {
  it('parses SmolVLM-256M-Instruct and derives 64 image tokens', () => {
    const c = parseVlmConfig(SMOLVLM_256M);
    expect(c.imageTokensPerImage).toBe(64);
    expect(c.vision).toMatchObject({ hidden_size: 768, patch_size: 16, image_size: 512, layer_norm_eps: 1e-6, num_channels: 3 });
    expect(c.text).toMatchObject({ hidden_size: 576, num_key_value_heads: 3, head_dim: 64, vocab_size: 49280, tie_word_embeddings: false });
    expect(c.imageTokenId).toBe(49190);
  });

  it('accepts model_type smolvlm and applies Hugging Face defaults', () => {
    // image_size given: HF's default 224 / patch 32 = 7 patches per side cannot be pixel-shuffled
    // by the default scale 2 (checked below).
    const c = parseVlmConfig({ model_type: 'smolvlm', vision_config: { image_size: 256 }, image_token_id: 3 });
    expect(c.vision).toMatchObject({ hidden_size: 1152, intermediate_size: 3072, num_hidden_layers: 12,
      num_attention_heads: 16, image_size: 256, patch_size: 32, layer_norm_eps: 1e-6 });
    expect(c.text).toMatchObject({ hidden_size: 4096, num_attention_heads: 32, num_key_value_heads: 32, head_dim: 128,
      rms_norm_eps: 1e-5, rope_theta: 10000, vocab_size: 32000, max_position_embeddings: 2048 });
    expect(c.scaleFactor).toBe(2);
    expect(c.imageTokenId).toBe(3);
    // HF default image_token_id 128257 lies outside the Llama default vocab (32000): rejected.
    expect(() => parseVlmConfig({ model_type: "smolvlm", vision_config: { image_size: 256 } })).toThrow(/"image_token_id" \(128257\)/);
    expect(c.imageTokensPerImage).toBe(16);
    expect(() => parseVlmConfig({ model_type: 'smolvlm' })).toThrow(/scale_factor" \(2\) must divide the patch grid side .* \(7\)/);
  });

  it('top-level tie_word_embeddings wins over text_config', () => {
    const c = parseVlmConfig({ ...SMOLVLM_256M, tie_word_embeddings: true, text_config: { ...SMOLVLM_256M.text_config, tie_word_embeddings: false } });
    expect(c.text.tie_word_embeddings).toBe(true);
  });

  it('rejects other architectures naming model_type and file', () => {
    expect(() => parseVlmConfig({ model_type: 'llava' }, 'x/config.json')).toThrow(UnsupportedArchitectureError);
    expect(() => parseVlmConfig({ model_type: 'llava' }, 'x/config.json')).toThrow(/x\/config\.json: model_type "llava"/);
  });

  const bad: [string, unknown, RegExp][] = [
    ['root not an object', [1, 2], /\(root\)" must be a JSON object/],
    ['model_type missing', { vision_config: {} }, /"model_type" is missing/],
    ['non-integer hidden size', { model_type: 'idefics3', vision_config: { hidden_size: 7.5 } }, /"vision_config.hidden_size" must be a positive integer, got 7.5/],
    ['negative eps', { model_type: 'idefics3', text_config: { rms_norm_eps: -1 } }, /"text_config.rms_norm_eps" must be a positive number/],
    ['heads not dividing hidden', { model_type: 'idefics3', vision_config: { hidden_size: 30, num_attention_heads: 4 } }, /vision_config.num_attention_heads" \(4\) must divide hidden_size \(30\)/],
    ['patch not dividing image', { model_type: 'idefics3', vision_config: { image_size: 30, patch_size: 8 } }, /vision_config.patch_size" \(8\) must divide image_size/],
    ['kv heads not dividing heads', { model_type: 'idefics3', text_config: { num_attention_heads: 9, num_key_value_heads: 2, hidden_size: 576 } }, /num_key_value_heads" \(2\) must divide/],
    ['scale not dividing grid', { ...SMOLVLM_256M, scale_factor: 3 }, /"scale_factor" \(3\) must divide the patch grid side/],
    ['image token outside vocab', { ...SMOLVLM_256M, image_token_id: 60000 }, /"image_token_id" \(60000\) must be < text_config.vocab_size/],
    ['vision_config not an object', { model_type: 'idefics3', vision_config: 3 }, /"vision_config" must be an object/],
    ['bad tie flag', { ...SMOLVLM_256M, tie_word_embeddings: 'yes' }, /"tie_word_embeddings" must be true or false/],
    ['unsupported activation', { ...SMOLVLM_256M, vision_config: { ...SMOLVLM_256M.vision_config, hidden_act: 'relu' } }, /hidden_act" "relu" is not supported/],
  ];
  for (const [what, json, msg] of bad) {
    it(`ConfigError: ${what}`, () => {
      let err: unknown;
      try { parseVlmConfig(json, 'm/config.json'); } catch (e) { err = e; }
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/^m\/config\.json: /);
      expect((err as Error).message).toMatch(msg);
    });
  }
});
