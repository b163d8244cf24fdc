// Host helpers of the Retrieve/Probes screens: the base-model switch shared by `embed` and
// `attention-map`, and the attention-map request (image bytes → cached features → weights).
import type { Vlm } from '../model/vlm/vlm.ts';
import type { Api, NamedBlob } from '../../protocol/messages.ts';
import { formatProblem } from '../data/errors.ts';
import { attentionMap, AttentionMapError } from './attention.ts';
import type { FeatureResult, ImageInput } from './feature_cache.ts';

/**
 * Runs `f` with the adapters and soft prompts bypassed when `base` is true (Vlm.useAdapters
 * = false), restoring the previous setting afterwards, also on error.
 * Trap: requests are handled one at a time per await chain; a concurrent train-resume on a
 * paused session would see the switch — the UI never issues both at once.
 */
export async function withBase<T>(vlm: Vlm, base: boolean | undefined, f: () => Promise<T>): Promise<T> {
  if (!base) return f();
  const prev = vlm.useAdapters;
  vlm.useAdapters = false;
  try {
    return await f();
  } finally {
    vlm.useAdapters = prev;
  }
}

export async function attentionRequest(
  vlm: Vlm,
  image: NamedBlob,
  features: (images: ImageInput[]) => Promise<FeatureResult>,
): Promise<Api['attention-map']['result']> {
  const bytes = new Uint8Array(image.data instanceof ArrayBuffer ? image.data : await image.data.arrayBuffer());
  const f = await features([{ name: image.path, bytes }]);
  if (f.rows.length !== 1) {
    throw new AttentionMapError(`attention-map: ${image.path}: ${f.problems.map(formatProblem).join('; ') || 'image could not be decoded'}`);
  }
  const r = await attentionMap(vlm, f.features.subarray(0, vlm.tokensPerImage * vlm.dims.hidden));
  return {
    weights: r.weights.buffer as ArrayBuffer, imageMass: r.imageMass.buffer as ArrayBuffer,
    grid: r.grid, layer: r.layer, tokensPerImage: vlm.tokensPerImage,
  };
}
