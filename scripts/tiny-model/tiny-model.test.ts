// The tiny-model writer: deterministic, identical to the committed fixture, every dtype and
// sharding loads back through the real loader, and onnx/vision_encoder.onnx run by
// onnxruntime-web (wasm backend, in Node) equals the CPU reference of the vision tower.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { visionForwardRef } from '../../src/engine/model/io/vision.ref.ts';
import { isVisionWeight, loadWeights } from '../../src/engine/model/io/weights.ts';
import { buildTinyModel } from './tiny-model.ts';

ort.env.wasm.numThreads = 1;

/** Byte equality without vitest's slow generic deep-equal on large typed arrays. */
function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describe('tiny-model writer', () => {
  const model = buildTinyModel();

  it('is deterministic and equals the committed public/models/tiny-random', () => {
    const again = buildTinyModel();
    for (const [path, bytes] of Object.entries(model.files)) {
      expect(sameBytes(again.files[path], bytes), path).toBe(true);
      expect(sameBytes(readFileSync(`public/models/tiny-random/${path}`), bytes), `committed ${path}`).toBe(true);
    }
    const total = Object.values(model.files).reduce((a, b) => a + b.byteLength, 0);
    expect(total).toBeLessThan(1024 * 1024);
    expect(sameBytes(buildTinyModel({ seed: 7 }).files['model.safetensors'], model.files['model.safetensors'])).toBe(false);
  });

  it('writes the documented defaults with real field names', () => {
    const cfg = JSON.parse(new TextDecoder().decode(model.files['config.json']));
    expect(cfg.model_type).toBe('idefics3');
    expect(cfg.vision_config).toMatchObject({ hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64, image_size: 32, patch_size: 8 });
    expect(cfg.text_config).toMatchObject({ hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, num_key_value_heads: 2, head_dim: 16,
      intermediate_size: 128, rope_theta: 10000, rms_norm_eps: 1e-5, tie_word_embeddings: false });
    expect(parseVlmConfig(cfg).imageTokensPerImage).toBe(4);
    const pre = JSON.parse(new TextDecoder().decode(model.files['preprocessor_config.json']));
    expect(pre).toMatchObject({ do_resize: true, size: { longest_edge: 32 }, do_rescale: true, do_normalize: true,
      image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5], do_image_splitting: false });
  });

  for (const [dtype, shards] of [['f16', 1], ['bf16', 3], ['f32', 2]] as const) {
    it(`${dtype}, ${shards} shard(s): loads back exactly the stored values`, async () => {
      const m = buildTinyModel({ dtype, shards });
      if (shards > 1) expect(Object.keys(m.files)).toContain('model.safetensors.index.json');
      const w = await loadWeights(folderFromMap('t', m.files), m.config);
      for (const [name, t] of w) expect(maxAbsDiff(t.data, m.weights[name].data), name).toBe(0);
      if (dtype !== 'f32') {
        const f32 = buildTinyModel({ dtype: 'f32' }).weights['lm_head.weight'].data;
        const d = maxAbsDiff(m.weights['lm_head.weight'].data, f32);
        expect(d).toBeGreaterThan(0); // rounded…
        expect(d).toBeLessThan(dtype === 'f16' ? 1e-3 : 1e-2); // …to the dtype's precision
      }
    });
  }

  it('ONNX vision encoder (onnxruntime-web) matches the CPU reference with HF-named weights to 1e-4', async () => {
    const S = 32, B = 1, N = 2;
    const session = await ort.InferenceSession.create(model.files['onnx/vision_encoder.onnx']);
    expect(session.inputNames).toEqual(['pixel_values', 'pixel_attention_mask']);
    expect(session.outputNames).toEqual(['image_features']);
    const pixels = new Float32Array(B * N * 3 * S * S).map((_, i) => Math.sin(i * 0.37) * 0.9);
    const mask = new Uint8Array(B * N * S * S).fill(1);
    for (let y = 0; y < S; y++) for (let x = 20; x < S; x++) mask[S * S + y * S + x] = 0; // image 2: right third padding
    const out = await session.run({
      pixel_values: new ort.Tensor('float32', pixels, [B, N, 3, S, S]),
      pixel_attention_mask: new ort.Tensor('bool', mask, [B, N, S, S]),
    });
    const feats = out.image_features;
    expect(feats.dims).toEqual([B * N, 4, 64]);
    // Reference fed by the real loader (safetensors → Hugging Face names), not the writer's arrays.
    const weights = await loadWeights(folderFromMap('t', model.files), model.config, { only: isVisionWeight });
    const ref = visionForwardRef(weights, model.config, pixels, B * N, mask);
    const d = maxAbsDiff(feats.data as Float32Array, ref.features);
    expect(d).toBeLessThan(1e-4);
    // The features are not trivially small, and the mask changes image 2 only.
    expect(Math.max(...ref.features.map(Math.abs))).toBeGreaterThan(0.5);
    const unmasked = visionForwardRef(weights, model.config, pixels, B * N);
    expect(maxAbsDiff(unmasked.features.subarray(0, 256), ref.features.subarray(0, 256))).toBe(0);
    expect(maxAbsDiff(unmasked.features.subarray(256), ref.features.subarray(256))).toBeGreaterThan(1e-3);
  });
});
