// Error cases of the vision encoders, each message naming what is wrong and where: a missing
// ONNX file (and the factory's native fallback), wrong graph input/output names, an output
// that does not fit config.json, a folder of another architecture.
import { describe, expect, test } from 'vitest';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { buildTinyModel } from '../../../../scripts/tiny-model/tiny-model.ts';
import { ELEM, OnnxGraph } from '../../../../scripts/tiny-model/onnx-builder.ts';
import { parseVlmConfig, UnsupportedArchitectureError } from '../config.ts';
import { MissingFileError } from '../io/errors.ts';
import { folderFromMap, folderFromUrl } from '../io/folder.ts';
import { VisionInputError } from './encoder.ts';
import { createVisionEncoder } from './index.ts';
import { OnnxSignatureError, OnnxVisionEncoder } from './onnx.ts';
import { NO_SPA_FALLBACK, TINY_URL } from './test_fixtures.ts';

describe('vision encoder errors', () => {
  const gpu = useGpu();

  test('a missing ONNX file is named; the factory then falls back to the native tower', async () => {
    const ctx = gpu();
    const folder = folderFromUrl(TINY_URL, NO_SPA_FALLBACK);
    const err = await OnnxVisionEncoder.fromFolder(folder, { path: 'onnx/vision_encoder_q4.onnx' }).catch((e) => e);
    expect(err).toBeInstanceOf(MissingFileError);
    expect(err.message).toMatch(/missing file "onnx\/vision_encoder_q4\.onnx" in \/models\/tiny-random\/.*native vision tower/);

    const m = buildTinyModel();
    // what a dev server's SPA fallback returns for a missing file: index.html with status 200
    const html = new TextEncoder().encode('<!doctype html><html><body></body></html>');
    const spa = folderFromMap('spa', { ...m.files, 'onnx/vision_encoder.onnx': html });
    const spaErr = await OnnxVisionEncoder.fromFolder(spa).catch((e) => e);
    expect(spaErr).toBeInstanceOf(MissingFileError);
    expect(spaErr.message).toMatch(/"onnx\/vision_encoder\.onnx" in spa.*HTML page/);

    const files = { ...m.files };
    delete files['onnx/vision_encoder.onnx'];
    const noOnnx = folderFromMap('no-onnx', files);
    await expect(createVisionEncoder(noOnnx)).rejects.toThrow(VisionInputError);
    await expect(createVisionEncoder(noOnnx)).rejects.toThrow(/no-onnx has no onnx\/vision_encoder\.onnx.*GpuContext/);
    const enc = await createVisionEncoder(noOnnx, { ctx });
    expect(enc.kind).toBe('native');
    await enc.dispose();
    const viaOnnx = await createVisionEncoder(folderFromMap('with-onnx', m.files), { executionProviders: ['wasm'] });
    expect(viaOnnx.kind).toBe('onnx-wasm');
    await viaOnnx.dispose();
  });

  test('wrong graph input/output names are named in the error', async () => {
    const m = buildTinyModel();
    const g = new OnnxGraph('not_a_vision_encoder');
    const x = g.input('images', ELEM.FLOAT, ['b', 3, 32, 32]);
    g.node('Identity', [x], {}, ['features']);
    g.output('features', ELEM.FLOAT, ['b', 3, 32, 32]);
    const bad = folderFromMap('bad-graph', { ...m.files, 'onnx/vision_encoder.onnx': g.encode({ opset: 17, producer: 'test' }) });
    const err = await OnnxVisionEncoder.fromFolder(bad, { executionProviders: ['wasm'] }).catch((e) => e);
    expect(err).toBeInstanceOf(OnnxSignatureError);
    expect(err.message).toMatch(/bad-graph\/onnx\/vision_encoder\.onnx: .*inputs are "images"; expected "pixel_values"/);

    const g2 = new OnnxGraph('wrong_output');
    const p = g2.input('pixel_values', ELEM.FLOAT, ['b', 'n', 3, 32, 32]);
    g2.node('Identity', [p], {}, ['last_hidden_state']);
    g2.output('last_hidden_state', ELEM.FLOAT, ['b', 'n', 3, 32, 32]);
    const bad2 = folderFromMap('bad-out', { ...m.files, 'onnx/vision_encoder.onnx': g2.encode({ opset: 17, producer: 'test' }) });
    await expect(OnnxVisionEncoder.fromFolder(bad2, { executionProviders: ['wasm'] }))
      .rejects.toThrow(/outputs are "last_hidden_state"; expected "image_features"/);
  });

  test('an ONNX graph that does not fit config.json, and a folder of another architecture', async () => {
    const m = buildTinyModel();
    const cfg = JSON.parse(new TextDecoder().decode(m.files['config.json']));
    cfg.text_config.hidden_size = 48; // the graph still projects to 64
    cfg.text_config.head_dim = 12;
    const config = parseVlmConfig(cfg);
    const onnx = await OnnxVisionEncoder.fromFolder(folderFromMap('mismatch', m.files), { config, executionProviders: ['wasm'] });
    await expect(onnx.encode(randn(3 * 32 * 32, 1), 1)).rejects.toThrow(/"image_features" is float32 \[1, 4, 64\], expected float32 \[1, 4, 48\]/);
    await onnx.dispose();

    const other = folderFromMap('llava', { ...m.files, 'config.json': new TextEncoder().encode(JSON.stringify({ model_type: 'llava' })) });
    const err = await createVisionEncoder(other).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedArchitectureError);
    expect(err.message).toMatch(/llava\/config\.json: model_type "llava" is not supported; expected "idefics3" or "smolvlm"/);
  });
});
