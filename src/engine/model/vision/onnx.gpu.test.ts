// Parity of the two vision paths ("both vision paths agree"): onnxruntime-web running the
// folder's onnx/vision_encoder.onnx (webgpu EP and wasm EP) vs the native WGSL tower, on the
// same images (error cases: onnx_errors.gpu.test.ts). Logs the per-image time of each path.
import { describe, expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { expectClose } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { buildTinyModel } from '../../../../scripts/tiny-model/tiny-model.ts';
import { parseVlmConfig } from '../config.ts';
import { folderFromMap, folderFromUrl } from '../io/folder.ts';
import { visionForwardRef } from '../io/vision.ref.ts';
import { isVisionWeight, loadWeights } from '../io/weights.ts';
import { type VisionEncoder } from './encoder.ts';
import { NativeVisionEncoder } from './native.ts';
import { NO_SPA_FALLBACK, TINY_URL } from './test_fixtures.ts';
import { OnnxVisionEncoder } from './onnx.ts';

const TOL = { atol: 1e-4, rtol: 1e-4 };

/** Encodes twice; returns the features and the warm (second-run) time per image. */
async function timed(enc: VisionEncoder, pixels: Float32Array, n: number) {
  const t0 = performance.now();
  const first = await enc.encode(pixels, n);
  const t1 = performance.now();
  const again = await enc.encode(pixels, n);
  const t2 = performance.now();
  expect(again).toEqual(first); // deterministic
  return { features: first, coldMs: (t1 - t0) / n, warmMs: (t2 - t1) / n };
}

describe('ONNX vision encoder vs native tower', () => {
  const gpu = useGpu();

  test('tiny-random over HTTP: webgpu EP, wasm EP and native agree to 1e-4 (and match the CPU reference)', async () => {
    const ctx = gpu();
    const folder = folderFromUrl(TINY_URL, NO_SPA_FALLBACK);
    const config = parseVlmConfig(await folder.readJson('config.json'));
    const S = config.vision.image_size, n = 4;
    const pixels = randn(n * 3 * S * S, 2024);
    const native = await NativeVisionEncoder.fromFolder(ctx, folder, { config });
    const nat = await timed(native, pixels, n);
    const ref = visionForwardRef(await loadWeights(folder, config, { only: isVisionWeight }), config, pixels, n);
    expectClose(nat.features, ref.features, 'native vs reference', TOL);

    const auto = await OnnxVisionEncoder.fromFolder(folder, { config }); // default ['webgpu', 'wasm']
    const wasm = await OnnxVisionEncoder.fromFolder(folder, { config, executionProviders: ['wasm'] });
    expect(wasm.kind).toBe('onnx-wasm');
    expect(['onnx-webgpu', 'onnx-wasm']).toContain(auto.kind);
    if (auto.kind === 'onnx-wasm') expect(auto.fallbackReasons[0]).toMatch(/^webgpu: /);
    const a = await timed(auto, pixels, n);
    const w = await timed(wasm, pixels, n);
    expect(a.features.length).toBe(n * auto.imageTokens * auto.textHidden);
    expectClose(a.features, nat.features, `ONNX (${auto.kind}) vs native`, TOL);
    expectClose(w.features, nat.features, 'ONNX (wasm) vs native', TOL);
    expectClose(w.features, ref.features, 'ONNX (wasm) vs reference', TOL);
    const fmt = (x: { coldMs: number; warmMs: number }) => `${x.warmMs.toFixed(1)} ms/image warm (${x.coldMs.toFixed(1)} cold)`;
    console.log(`[vision] tiny-random on SwiftShader, ${n} images: native ${fmt(nat)}; ${auto.kind} ${fmt(a)}; onnx-wasm ${fmt(w)}` +
      (auto.fallbackReasons.length ? `; fallback: ${auto.fallbackReasons.join(' | ')}` : ''));
    await Promise.all([native.dispose(), auto.dispose(), wasm.dispose()]);
  });

  test('odd-shaped generated model (D=48, 3 heads, scale 3): ONNX (wasm) and native agree, 1 and 3 images, 2 per run', async () => {
    const ctx = gpu();
    const m = buildTinyModel({ seed: 9, vision: { hidden: 48, layers: 2, heads: 3, intermediate: 80, image: 48, patch: 8 }, scaleFactor: 3 });
    const folder = folderFromMap('odd-model', m.files);
    const native = await NativeVisionEncoder.fromFolder(ctx, folder);
    const onnx = await OnnxVisionEncoder.fromFolder(folder, { executionProviders: ['wasm'], maxImagesPerRun: 2 });
    for (const n of [1, 3]) {
      const pixels = randn(n * 3 * 48 * 48, 50 + n);
      const [x, y] = [await onnx.encode(pixels, n), await native.encode(pixels, n)];
      expect(x.length).toBe(n * 4 * 64);
      expectClose(x, y, `ONNX vs native, n=${n}`, TOL);
    }
    await Promise.all([native.dispose(), onnx.dispose()]);
    await expect(onnx.encode(new Float32Array(3 * 48 * 48), 1)).rejects.toThrow(/after dispose/);
  });

});
