import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseVlmConfig } from '../config.ts';
import { MissingTensorError, ShapeMismatchError, TensorTooLargeError } from './errors.ts';
import { folderFromMap } from './folder.ts';
import { Checkpoint, writeSafetensors } from './safetensors.ts';
import { checkHeldWeights, expectedWeights, isVisionWeight, loadWeights } from './weights.ts';

const DIR = 'public/models/tiny-random';
function readDir(dir: string, prefix = ''): Record<string, Uint8Array> {
  const out: Record<string, Uint8Array> = {};
  for (const f of readdirSync(join(dir, prefix))) {
    const rel = prefix ? `${prefix}/${f}` : f;
    if (statSync(join(dir, rel)).isDirectory()) Object.assign(out, readDir(dir, rel));
    else out[rel] = new Uint8Array(readFileSync(join(dir, rel)));
  }
  return out;
}
const files = readDir(DIR);
const config = parseVlmConfig(JSON.parse(new TextDecoder().decode(files['config.json'])));

describe('expectedWeights', () => {
  it('lists the Hugging Face names and shapes for SmolVLM-256M', () => {
    const c = parseVlmConfig({ model_type: 'idefics3', image_token_id: 49190, scale_factor: 4,
      text_config: { hidden_size: 576, intermediate_size: 1536, num_hidden_layers: 30, num_attention_heads: 9, num_key_value_heads: 3, head_dim: 64, vocab_size: 49280 },
      vision_config: { hidden_size: 768, intermediate_size: 3072, num_hidden_layers: 12, num_attention_heads: 12, image_size: 512, patch_size: 16 } });
    const w = new Map(expectedWeights(c).map((s) => [s.name, s.shape]));
    expect(w.get('model.vision_model.embeddings.patch_embedding.weight')).toEqual([768, 3, 16, 16]);
    expect(w.get('model.vision_model.embeddings.position_embedding.weight')).toEqual([1024, 768]);
    expect(w.get('model.vision_model.encoder.layers.11.self_attn.out_proj.bias')).toEqual([768]);
    expect(w.get('model.connector.modality_projection.proj.weight')).toEqual([576, 12288]);
    expect(w.get('model.text_model.layers.29.self_attn.k_proj.weight')).toEqual([192, 576]);
    expect(w.get('model.text_model.layers.0.mlp.down_proj.weight')).toEqual([576, 1536]);
    expect(w.get('lm_head.weight')).toEqual([49280, 576]);
    expect(w.size).toBe(3 + 12 * 16 + 2 + 1 + 1 + 30 * 9 + 1 + 1);
    const tied = parseVlmConfig({ ...c.raw, tie_word_embeddings: true });
    expect(expectedWeights(tied).some((s) => s.name === 'lm_head.weight')).toBe(false);
  });
});

describe('loadWeights on the committed tiny model', () => {
  it('loads every tensor with checked shapes and byte progress', async () => {
    const progress: [number, number, string][] = [];
    const w = await loadWeights(folderFromMap('tiny', files), config, { onProgress: (l, t, f) => progress.push([l, t, f]) });
    expect(w.size).toBe(expectedWeights(config).length);
    expect(w.get('lm_head.weight')!.shape).toEqual([config.text.vocab_size, 64]);
    const last = progress[progress.length - 1];
    expect(last[0]).toBe(last[1]);
    expect(last[2]).toBe('model.safetensors');
    expect(progress.every(([l], i) => i === 0 || l > progress[i - 1][0])).toBe(true);
  });
  it('`only` loads a subset', async () => {
    const w = await loadWeights(folderFromMap('tiny', files), config, { only: isVisionWeight });
    expect([...w.keys()].every(isVisionWeight)).toBe(true);
    expect(w.has('model.connector.modality_projection.proj.weight')).toBe(true);
    expect(w.has('model.text_model.norm.weight')).toBe(false);
  });
  it('names a missing tensor, a wrong shape, a tensor over the device limit', async () => {
    const tiny = (t: Record<string, number[]>) => folderFromMap('bad', { 'model.safetensors': writeSafetensors(
      Object.fromEntries(Object.entries(t).map(([n, s]) => [n, { dtype: 'F32' as const, shape: s, data: new Float32Array(s.reduce((a, b) => a * b, 1)) }]))) });
    const specs = expectedWeights(config);
    const all = Object.fromEntries(specs.map((s) => [s.name, s.shape]));
    const { ['model.text_model.norm.weight']: _drop, ...missing } = all;
    await expect(loadWeights(tiny(missing), config)).rejects.toThrow(MissingTensorError);
    await expect(loadWeights(tiny(missing), config)).rejects.toThrow(/model.safetensors: tensor "model.text_model.norm.weight" not found/);
    const wrong = { ...all, 'model.text_model.layers.1.mlp.up_proj.weight': [128, 63] };
    await expect(loadWeights(tiny(wrong), config)).rejects.toThrow(ShapeMismatchError);
    await expect(loadWeights(tiny(wrong), config)).rejects.toThrow(/"model.text_model.layers.1.mlp.up_proj.weight" has shape \[128, 63\], expected \[128, 64\]/);
    await expect(loadWeights(folderFromMap('tiny', files), config, { maxBufferBytes: 64 * 128 * 4 - 1 }))
      .rejects.toThrow(TensorTooLargeError);
  });
});

describe('checkHeldWeights', () => {
  const tiny = (t: Record<string, number[]>) => folderFromMap('bad', { 'model.safetensors': writeSafetensors(
    Object.fromEntries(Object.entries(t).map(([n, s]) => [n, { dtype: 'F32' as const, shape: s, data: new Float32Array(s.reduce((a, b) => a * b, 1)) }]))) });
  const all = Object.fromEntries(expectedWeights(config).map((s) => [s.name, s.shape]));
  it('refuses a transposed vision tensor (same element count) by name, file and both shapes', async () => {
    const pos = 'model.vision_model.embeddings.position_embedding.weight';
    const [L, D] = all[pos];
    const ckpt = await Checkpoint.open(tiny({ ...all, [pos]: [D, L] }));
    expect(() => checkHeldWeights(ckpt, config)).toThrow(ShapeMismatchError);
    expect(() => checkHeldWeights(ckpt, config)).toThrow(new RegExp(`model.safetensors: .*"${pos}" has shape \\[${D}, ${L}\\], expected \\[${L}, ${D}\\]`));
  });
  it('passes the committed model and a folder without vision tensors (an ONNX encoder ships them)', async () => {
    checkHeldWeights(await Checkpoint.open(folderFromMap('tiny', files)), config);
    const textOnly = Object.fromEntries(Object.entries(all).filter(([n]) => !isVisionWeight(n)));
    checkHeldWeights(await Checkpoint.open(tiny(textOnly)), config);
  });
});
