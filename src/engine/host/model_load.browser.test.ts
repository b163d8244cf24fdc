// Model load refuses a broken folder at once, naming the file and what is wrong, and keeps the
// model already loaded (in-page EngineHandler, SwiftShader WebGPU, onnxruntime-web wasm):
//  * a vision tensor of the wrong shape (position_embedding [D, L] instead of [L, D], the same
//    element count) although the ONNX encoder, which never reads it, would be used;
//  * a garbage ONNX vision encoder: the session is created at load, not at the next data load.
import { expect, test } from 'vitest';
import { buildTinyModel } from '../../../scripts/tiny-model/tiny-model.ts';
import { writeSafetensors } from '../model/io/safetensors.ts';
import type { Reply } from '../../protocol/messages.ts';
import { memoryKeyValueStore } from '../train/checkpoint/index.ts';
import { memoryFeatureStore } from './feature_cache.ts';
import { EngineHandler } from './handler.ts';

function asDroppedFolder(name: string, files: Record<string, Uint8Array>): File[] {
  return Object.entries(files).map(([path, bytes]) => {
    const f = new File([bytes as BlobPart], path.split('/').pop()!);
    Object.defineProperty(f, 'webkitRelativePath', { value: `${name}/${path}` });
    return f;
  });
}

function host() {
  const replies = new Map<number, Reply>();
  const h = new EngineHandler((m) => { if (m.type !== 'events') replies.set(m.id, m); }, {
    featureStore: memoryFeatureStore(), checkpointStore: memoryKeyValueStore(), visionProviders: ['wasm'],
  });
  let id = 0;
  const call = async (type: string, args: unknown) => {
    const req = { id: ++id, type, args } as Parameters<EngineHandler['handle']>[0];
    await h.handle(req);
    const r = replies.get(req.id)!;
    if (r.type === 'error') throw Object.assign(new Error(r.error.message), { name: r.error.name });
    return r.result as Record<string, unknown>;
  };
  return { call, dispose: () => h.dispose() };
}

test('a wrong-shape vision tensor and a garbage ONNX file are refused at load; the loaded model stays', async () => {
  const m = buildTinyModel();
  expect(m.files['onnx/vision_encoder.onnx']).toBeDefined(); // the ONNX encoder is what would run
  const { call, dispose } = host();
  const good = await call('load-model', { source: { kind: 'files', files: asDroppedFolder('good', m.files) } });
  expect(good.name).toBe('good');

  const pos = 'model.vision_model.embeddings.position_embedding.weight';
  const [L, D] = m.weights[pos].shape;
  const tensors = Object.fromEntries(Object.entries(m.weights).map(([n, t]) => [n, { dtype: 'F32' as const, shape: n === pos ? [D, L] : t.shape, data: t.data }]));
  const transposed = { ...m.files, 'model.safetensors': writeSafetensors(tensors) };
  const e1 = await call('load-model', { source: { kind: 'files', files: asDroppedFolder('transposed', transposed) } }).catch((e: Error) => e);
  expect(e1).toBeInstanceOf(Error);
  expect((e1 as Error).name).toBe('ShapeMismatchError');
  expect((e1 as Error).message).toContain(`model.safetensors: tensor "${pos}" has shape [${D}, ${L}], expected [${L}, ${D}]`);

  const garbage = new Uint8Array(4096).map((_, i) => (i * 2654435761) >>> 24);
  const broken = { ...m.files, 'onnx/vision_encoder.onnx': garbage };
  const e2 = await call('load-model', { source: { kind: 'files', files: asDroppedFolder('broken', broken) } }).catch((e: Error) => e);
  expect((e2 as Error).name).toBe('OnnxSessionError');
  expect((e2 as Error).message).toMatch(/broken\/onnx\/vision_encoder\.onnx: onnxruntime-web could not run the vision encoder/);

  // a discern.json that could never start a run is refused at load, naming file and field
  const badRecipe = { ...m.files, 'discern.json': new TextEncoder().encode(JSON.stringify({ format: 1, why: 'x', recipe: { batchSize: 1 } })) };
  const e3 = await call('load-model', { source: { kind: 'files', files: asDroppedFolder('recipe', badRecipe) } }).catch((e: Error) => e);
  expect((e3 as Error).name).toBe('RecipeError');
  expect((e3 as Error).message).toMatch(/^recipe\/discern\.json: "recipe" is not a valid training configuration: batchSize: must be an integer in 2…65536/);

  // the first model is still the loaded one: data loads and is encoded by its (ONNX) encoder
  const data = await call('load-data', { kind: 'synthetic', count: 4, seed: 1 });
  expect(data).toBeDefined();
  await dispose();
});
