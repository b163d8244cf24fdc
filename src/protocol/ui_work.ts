// Requests for work the screens need from the engine that is not GPU work: synthetic scenes,
// parsing a dropped dataset for its preview, the probe plan and its scoring, and ranking a
// gallery. They run in the worker (src/engine/host/ui_work.ts) so the UI thread never parses,
// renders or ranks; none of them needs a loaded model. Types only.
//
// Shapes: embedding tables are row-major Float32 [rows, dim] as ArrayBuffers (as `embed`
// returns them). Buffers sent in args are copied, not transferred: the app keeps its caches.
import type { EvalReport, ProbeItem, WinoItem } from '../shared/eval.ts';
import type { Problem } from '../shared/problem.ts';
import type { NamedBlob } from './messages.ts';

/** One rendered synthetic scene: PNG bytes (64×64 RGBA, the same bytes `load-data` embeds). */
export interface SyntheticSceneImage {
  id: string;
  /** images/<split>/<id>.png, as in the synthetic dataset folder. */
  path: string;
  caption: string;
  png: ArrayBuffer;
}

/** A preview tile: files[index] of the request is the image, shown with caption. */
export interface PreviewTile {
  index: number;
  path: string;
  /** First short caption (else first long one, else ''); null when no dataset file was given. */
  caption: string | null;
}

/**
 * The synthetic probe plan (engine/eval/synthetic_eval.ts) as data:
 *   texts  = [test captions (n) | SugarCrepe negatives | Winoground captions]
 *   images = [test images (n) | Winoground images (2 per pair)], pngs[i] the bytes of images[i]
 */
export interface EvalPlanData {
  images: string[];
  pngs: ArrayBuffer[];
  texts: string[];
  n: number;
  probes: ProbeItem[];
  wino: WinoItem[];
}

export interface UiWorkApi {
  /**
   * The first `limit` (default all) scenes of one split. split 'train': the scenes load-data
   * {kind:'synthetic', count, seed} trains on; 'test': the test split of `count` scenes (the
   * Retrieve gallery).
   */
  'synthetic-scenes': {
    args: { split: 'train' | 'test'; count: number; seed: number; limit?: number };
    result: { scenes: SyntheticSceneImage[] };
  };
  /**
   * What load-data would pick from these files, for a preview: the dataset file (the only
   * .jsonl/.csv/.json, or captions_train.*), its first `limit` usable items with the file that
   * holds each image, and the parse/resolve problems. No dataset file: the images alone.
   */
  'preview-data': {
    args: { files: NamedBlob[]; limit?: number };
    result: { dataset: string | null; tiles: PreviewTile[]; problems: Problem[]; warnings: Problem[] };
  };
  'eval-plan': { args: { count: number; seed: number }; result: EvalPlanData };
  /** Scores a plan's items against text [texts, dim] and image [images, dim] embeddings. */
  'eval-score': {
    args: { items: Pick<EvalPlanData, 'n' | 'probes' | 'wino'>; texts: ArrayBuffer; images: ArrayBuffer; dim: number };
    result: EvalReport;
  };
  /**
   * Dot-product top-k of one query [dim] against a gallery [n, dim]: best first, ties to the
   * lower index; indices[j] = -1 (score -Infinity) past the gallery's end when k > n.
   */
  'rank': {
    args: { query: ArrayBuffer; gallery: ArrayBuffer; n: number; dim: number; k: number };
    result: { indices: number[]; scores: number[] };
  };
}
