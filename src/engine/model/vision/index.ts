/**
 * Picks and builds a VisionEncoder for a model folder.
 *
 *   createVisionEncoder(folder, { prefer?, ctx?, onnxPath?, executionProviders? }) → VisionEncoder
 *
 * prefer 'onnx' (default): the ONNX file when the folder has one, else the native tower
 * (needs ctx). prefer 'native': the native tower (needs ctx). config.json is read first, so
 * a folder of another architecture fails with UnsupportedArchitectureError before anything
 * large is fetched. onnxruntime-web is imported lazily: a native-only user never loads it.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { parseVlmConfig } from '../config.ts';
import type { ModelFolder } from '../io/folder.ts';
import { VisionInputError, type VisionEncoder } from './encoder.ts';
import { NativeVisionEncoder } from './native.ts';

export type { VisionEncoder } from './encoder.ts';

export interface CreateVisionOptions {
  prefer?: 'onnx' | 'native';
  ctx?: GpuContext;
  onnxPath?: string;
  executionProviders?: ('webgpu' | 'wasm')[];
}

export async function createVisionEncoder(folder: ModelFolder, o: CreateVisionOptions = {}): Promise<VisionEncoder> {
  const config = parseVlmConfig(await folder.readJson('config.json'), `${folder.name}/config.json`);
  const path = o.onnxPath ?? 'onnx/vision_encoder.onnx';
  if ((o.prefer ?? 'onnx') === 'onnx' && (await folder.exists(path))) {
    const { OnnxVisionEncoder } = await import('./onnx.ts');
    return OnnxVisionEncoder.fromFolder(folder, { config, path, executionProviders: o.executionProviders });
  }
  if (!o.ctx) {
    throw new VisionInputError('model/vision/index.ts:createVisionEncoder',
      `${folder.name} has no ${path}; the native vision tower needs a GpuContext (pass ctx)`);
  }
  return NativeVisionEncoder.fromFolder(o.ctx, folder, { config });
}
