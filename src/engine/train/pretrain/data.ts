/**
 * Pretraining data: which (scene, caption kind) pairs each step sees, and the pixels the
 * model sees for a scene.
 *
 * Public API:
 *   interface PretrainItem { scene: number; long: boolean }
 *   pretrainSchedule(nScenes, batch, steps, seed) → PretrainItem[][]   one list per step
 *   scenePixels(scene, pre) → Float32Array [3, S, S]
 *   captionCorpus(scenes) → string[]   every short and long caption, ' '-prefixed (the BPE corpus)
 *
 * Schedule: each epoch is a seeded permutation of all 2·nScenes pairs (every scene once with
 * its short caption and once with its long one); epochs are concatenated and cut into
 * batches, and inside a batch the short-caption items come first (the step packs each kind
 * separately, so short captions are not padded to the long ones' length).
 * Pixels: renderScene (64×64 RGBA, identical bytes in Node and browsers) → preprocessRgba with
 * the model's preprocessor_config.json — the same path as an image dropped into the app, so
 * inference sees exactly what training saw.
 * Trap: captions are tokenised as ' ' + caption after the prompt's 'Assistant:' (see
 * imageTrainSequence); the corpus is ' '-prefixed so the BPE learns those leading-space words.
 */
import { preprocessRgba, type PreprocessorConfig } from '../../data/preprocess.ts';
import { renderScene } from '../../data/synthetic/raster.ts';
import type { Scene } from '../../data/synthetic/scene.ts';
import { permutation, Rng } from '../rng.ts';

export interface PretrainItem {
  scene: number;
  long: boolean;
}

/** Stream number of the data-order RNG (other streams of the same seed stay independent). */
const DATA_STREAM = 17;

export function pretrainSchedule(nScenes: number, batch: number, steps: number, seed: number): PretrainItem[][] {
  if (!Number.isInteger(nScenes) || nScenes < 1) throw new RangeError(`pretrainSchedule: nScenes must be a positive integer, got ${nScenes}`);
  if (!Number.isInteger(batch) || batch < 1) throw new RangeError(`pretrainSchedule: batch must be a positive integer, got ${batch}`);
  if (!Number.isInteger(steps) || steps < 0) throw new RangeError(`pretrainSchedule: steps must be an integer ≥ 0, got ${steps}`);
  const rng = Rng.fromSeed(seed, DATA_STREAM);
  const flat: PretrainItem[] = [];
  while (flat.length < batch * steps) {
    for (const j of permutation(2 * nScenes, rng)) flat.push({ scene: j % nScenes, long: j >= nScenes });
  }
  return Array.from({ length: steps }, (_, s) => {
    const b = flat.slice(s * batch, (s + 1) * batch);
    return [...b.filter((x) => !x.long), ...b.filter((x) => x.long)];
  });
}

export function scenePixels(scene: Scene, pre: PreprocessorConfig): Float32Array {
  return preprocessRgba(renderScene(scene), 64, 64, pre).pixels;
}

export function captionCorpus(scenes: { caption: string; longCaption: string }[]): string[] {
  return scenes.flatMap((s) => [' ' + s.caption.trim(), ' ' + s.longCaption.trim()]);
}
