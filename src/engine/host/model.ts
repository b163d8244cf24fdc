// Model sources of the worker protocol → a ModelFolder, a stable model id, and a Vlm.
//
//   folderOf(source)        'bundled' → BUNDLED_MODELS[name].path on this origin (default
//                           discern-tiny, the pretrained one); 'url'; 'files'
//   openFolder(source, hub) the same, except that a Hub-layout URL (…/owner/repo/resolve/rev/)
//                           goes through the persistent download cache when there is one
//                           (model/io/hub/); other URLs are read by HTTP ranges as before
//   baseModelName(source, folder)  how a user would load it: the Hub repo id, the bundled
//                           model's name, the source's name or the folder's — never a local
//                           mount URL (it names the base model of exported PEFT adapters)
//   modelIdOf(folder)       `${name}@${sha256(config.json ‖ preprocessor_config.json)[0:16]}-${weight bytes}`
//   loadVlm(ctx, folder, o) Vlm.load with load-progress in bytes, after checking every tensor the
//                           folder holds (vision ones included) against config.json
// The handler also builds the vision encoder at load (an ONNX file that onnxruntime cannot
// open is refused then, not at the next data load).
// The id keys the feature cache and checkpoints: hashing the weights themselves would mean
// reading hundreds of MB before anything else, so the id takes the config hash plus the byte
// sizes of the weight files (a regenerated random model of a new size gets a new id).
// Trap: a same-size, same-config retrain of the weights keeps its id — clear the feature
// cache (database "discern-features") after replacing weights in place.
import type { GpuContext } from '../gpu/context.ts';
import { parseVlmConfig } from '../model/config.ts';
import { folderFromFiles, folderFromUrl, type ModelFolder } from '../model/io/folder.ts';
import type { HubCache } from '../model/io/hub/cache.ts';
import { openHubFolder, type HubLoadOptions } from '../model/io/hub/hub_folder.ts';
import { hubRepoOf, parseHubUrl } from '../model/io/hub/url.ts';
import { Checkpoint } from '../model/io/safetensors.ts';
import { checkHeldWeights } from '../model/io/weights.ts';
import type { LoraSettings } from '../model/vlm/adapters.ts';
import { Vlm } from '../model/vlm/vlm.ts';
import { BUNDLED_MODELS, DEFAULT_BUNDLED_MODEL, type ModelInfo, type ModelSource } from '../../protocol/messages.ts';
import { sha256Hex } from './feature_cache.ts';
import type { Recipe } from '../train/trainer/recipe.ts';

export function folderOf(source: ModelSource): ModelFolder {
  switch (source.kind) {
    case 'bundled': {
      const entry = BUNDLED_MODELS[source.name ?? DEFAULT_BUNDLED_MODEL];
      if (!entry) throw new Error(`unknown bundled model "${source.name}"; bundled: ${Object.keys(BUNDLED_MODELS).join(', ')}`);
      return folderFromUrl(new URL(entry.path, globalThis.location.origin).href);
    }
    case 'url': {
      const url = new URL(source.url, globalThis.location?.href).href;
      return folderFromUrl(parseHubUrl(url)?.base ?? url); // a bare Hub repo URL reads resolve/main/
    }
    case 'files':
      return folderFromFiles(source.files);
  }
}

/** A ModelFolder for the source; Hub URLs through `hub.cache` when given (null: no OPFS here). */
export async function openFolder(source: ModelSource, hub: Omit<HubLoadOptions, 'cache'> & { cache: HubCache | null }): Promise<ModelFolder> {
  if (source.kind === 'url' && hub.cache) {
    const ref = parseHubUrl(new URL(source.url, globalThis.location?.href).href);
    if (ref) return openHubFolder(ref, { ...hub, cache: hub.cache });
  }
  return folderOf(source);
}


export function baseModelName(source: ModelSource, folder: ModelFolder): string {
  switch (source.kind) {
    case 'bundled':
      return source.name ?? DEFAULT_BUNDLED_MODEL;
    case 'url': {
      if (source.name) return source.name;
      const hub = hubRepoOf(source.url) ?? parseHubUrl(source.url)?.repo; // the Hub, or a mirror in its layout
      if (hub) return hub;
      const last = source.url.split(/[?#]/)[0].split('/').filter(Boolean).pop();
      return last && !/^https?:$/.test(last) ? decodeURIComponent(last) : folder.name;
    }
    case 'files':
      return folder.name;
  }
}

async function sizeOr0(folder: ModelFolder, path: string): Promise<number> {
  try {
    return (await folder.exists(path)) ? await folder.open(path).size() : 0;
  } catch {
    return 0;
  }
}

export async function modelIdOf(folder: ModelFolder): Promise<string> {
  const cfg = await folder.readText('config.json');
  const pre = (await folder.exists('preprocessor_config.json')) ? await folder.readText('preprocessor_config.json') : '';
  const hash = (await sha256Hex(new TextEncoder().encode(cfg + '\u0000' + pre))).slice(0, 16);
  const bytes = (await sizeOr0(folder, 'model.safetensors')) + (await sizeOr0(folder, 'model.safetensors.index.json')) +
    (await sizeOr0(folder, 'onnx/vision_encoder.onnx'));
  return `${folder.name}@${hash}-${bytes}`;
}

export function modelInfo(vlm: Vlm, name: string, modelId: string, recipe: Recipe): ModelInfo {
  return { modelId, name, hidden: vlm.dims.hidden, layers: vlm.dims.layers, tokensPerImage: vlm.tokensPerImage, recipe };
}

export async function loadVlm(ctx: GpuContext, folder: ModelFolder, o: { lora?: LoraSettings; seed?: number; onBytes?: (done: number, total: number) => void } = {}): Promise<Vlm> {
  // Validate the architecture before fetching weights (UnsupportedArchitectureError names the file).
  const config = parseVlmConfig(await folder.readJson('config.json'), `${folder.name}/config.json`);
  // Every held tensor's shape, from the headers: a wrong vision tensor is refused here even
  // when an ONNX encoder (which never reads it) will be used.
  checkHeldWeights(await Checkpoint.open(folder), config);
  return Vlm.load(ctx, folder, { lora: o.lora, seed: o.seed, onProgress: (done, total) => o.onBytes?.(done, total) });
}
