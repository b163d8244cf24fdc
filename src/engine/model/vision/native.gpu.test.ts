// Native WGSL vision tower vs the CPU reference (visionForwardRef, float64 accumulation), on
// the shipped tiny model (loaded over HTTP from the Vite server like a real folder) and on an
// odd-shaped generated model (hidden 48, 3 heads of 16, I 80, 6x6 patches, scale 3).
import { describe, expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { expectClose } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { buildTinyModel } from '../../../../scripts/tiny-model/tiny-model.ts';
import { parseVlmConfig } from '../config.ts';
import { folderFromMap, folderFromUrl } from '../io/folder.ts';
import { visionForwardRef } from '../io/vision.ref.ts';
import { isVisionWeight, loadWeights } from '../io/weights.ts';
import { VisionInputError } from './encoder.ts';
import { NativeVisionEncoder } from './native.ts';
import { NO_SPA_FALLBACK, TINY_URL } from './test_fixtures.ts';


describe('native vision tower', () => {
  const gpu = useGpu();

  test('tiny-random over HTTP: features and hidden match visionForwardRef (3 images, chunks of 2)', async () => {
    const ctx = gpu();
    const folder = folderFromUrl(TINY_URL, NO_SPA_FALLBACK);
    const config = parseVlmConfig(await folder.readJson('config.json'));
    const enc = await NativeVisionEncoder.fromFolder(ctx, folder, { config, maxImagesPerChunk: 2 });
    const { image_size: S } = config.vision;
    const n = 3;
    const pixels = randn(n * 3 * S * S, 11);
    const t0 = performance.now();
    const got = await enc.encodeDetailed(pixels, n);
    const ms = performance.now() - t0;
    const weights = await loadWeights(folder, config, { only: isVisionWeight });
    const ref = visionForwardRef(weights, config, pixels, n);
    expect(got.features.length).toBe(n * enc.imageTokens * enc.textHidden);
    expectClose(got.hidden, ref.hidden, 'post_layernorm hidden', { atol: 1e-4, rtol: 1e-4 });
    expectClose(got.features, ref.features, 'image features', { atol: 1e-4, rtol: 1e-4 });
    expect(Math.max(...ref.features.map(Math.abs))).toBeGreaterThan(0.5); // not trivially small
    console.log(`[vision] native tiny-random: ${(ms / n).toFixed(1)} ms/image (incl. first-use pipeline compiles)`);
    await enc.dispose();
    await expect(enc.encode(pixels, n)).rejects.toThrow(/after dispose/);
  });

  test('odd shapes: D=48, 3 heads, I=80, 6x6 patches, scale 3, single image and 5 images in one chunk', async () => {
    const ctx = gpu();
    const m = buildTinyModel({
      seed: 7, vision: { hidden: 48, layers: 2, heads: 3, intermediate: 80, image: 48, patch: 8 }, scaleFactor: 3,
    });
    expect(m.config.imageTokensPerImage).toBe(4);
    const weights = await loadWeights(folderFromMap('odd', m.files), m.config, { only: isVisionWeight });
    const enc = NativeVisionEncoder.fromWeights(ctx, m.config, weights, { maxImagesPerChunk: 8 });
    for (const n of [1, 5]) {
      const pixels = randn(n * 3 * 48 * 48, 100 + n);
      const got = await enc.encodeDetailed(pixels, n);
      const ref = visionForwardRef(weights, m.config, pixels, n);
      expectClose(got.hidden, ref.hidden, `hidden n=${n}`, { atol: 1e-4, rtol: 1e-4 });
      expectClose(got.features, ref.features, `features n=${n}`, { atol: 1e-4, rtol: 1e-4 });
    }
    // n = 0 is an empty result, not an error
    expect((await enc.encode(new Float32Array(0), 0)).length).toBe(0);
    await enc.dispose();
  });

  test('a bf16 folder: linears stay packed (half their bytes), features = the f32-decoded tower and the CPU reference', async () => {
    const ctx = gpu();
    const m = buildTinyModel({ dtype: 'bf16', seed: 9 });
    const folder = folderFromMap('bf16', m.files);
    const live0 = ctx.pool.liveBytes;
    const packed = await NativeVisionEncoder.fromFolder(ctx, folder, { config: m.config });
    const livePacked = ctx.pool.liveBytes - live0;
    const weights = await loadWeights(folder, m.config, { only: isVisionWeight }); // decoded to f32 (same bf16 values)
    const live1 = ctx.pool.liveBytes;
    const f32 = NativeVisionEncoder.fromWeights(ctx, m.config, weights);
    const liveF32 = ctx.pool.liveBytes - live1;
    console.log(`[vision] bf16 tiny tower: ${livePacked} pool bytes packed vs ${liveF32} f32`);
    expect(livePacked / liveF32).toBeLessThan(0.6);
    const n = 2, S = m.config.vision.image_size;
    const pixels = randn(n * 3 * S * S, 12);
    const [a, b] = [await packed.encodeDetailed(pixels, n), await f32.encodeDetailed(pixels, n)];
    expectClose(a.features, b.features, 'packed vs f32 features', { atol: 1e-5, rtol: 1e-4 });
    expectClose(a.features, visionForwardRef(weights, m.config, pixels, n).features, 'packed vs CPU reference', { atol: 1e-4, rtol: 1e-4 });
    await packed.dispose();
    await f32.dispose();
  });

  test('wrong pixel count and a missing tensor are named', async () => {
    const ctx = gpu();
    const m = buildTinyModel();
    const weights = await loadWeights(folderFromMap('t', m.files), m.config, { only: isVisionWeight });
    const enc = NativeVisionEncoder.fromWeights(ctx, m.config, weights);
    await expect(enc.encode(new Float32Array(3 * 31 * 31), 1)).rejects.toThrow(VisionInputError);
    await expect(enc.encode(new Float32Array(3 * 31 * 31), 1)).rejects.toThrow(/image_size = 32.*32x32/);
    await enc.dispose();
    const partial = new Map(weights);
    partial.delete('model.vision_model.encoder.layers.1.mlp.fc2.bias');
    expect(() => NativeVisionEncoder.fromWeights(ctx, m.config, partial)).toThrow(/layers\.1\.mlp\.fc2\.bias/);
  });
});
