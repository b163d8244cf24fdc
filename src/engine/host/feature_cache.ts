// Frozen vision features, computed once per image and kept in IndexedDB.
//
//   key   = `${modelId}:${PREPROCESS_VERSION}:${sha256(image file bytes) as hex}`
//   value = Float32Array [tokensPerImage · H] (the encoder's output for that one image)
//
// The vision tower is frozen in VladVA, so an image's features depend only on the model
// and the bytes: a second run, or a reloaded tab, skips the encoder (and even the image
// decode) for every image it has seen. The database is our own ("discern-features"):
// idb-keyval creates the object store only with a new database, so it cannot share one.
// Trap: modelId must change whenever the vision weights do (modelIdOf hashes config files
// and the byte size of the weight files — see host/model.ts).
import { createStore, getMany, setMany, type UseStore } from 'idb-keyval';
import { ImageDecodeError, type Problem } from '../data/errors.ts';
import { loadImageTensor } from '../data/image.ts';
import type { PreprocessorConfig } from '../data/preprocess.ts';
import type { VisionEncoder } from '../model/vision/index.ts';

/** Bumped when preprocessing changes the pixels of some file (p2: PIL-exact alpha onto white,
 *  straight-alpha decode), so features cached by an older build are recomputed, not reused. */
export const PREPROCESS_VERSION = 'p2';

export const FEATURE_DB = 'discern-features';
export const FEATURE_STORE = 'features';

export interface FeatureStore {
  getMany(keys: string[]): Promise<(Float32Array | undefined)[]>;
  setMany(entries: [string, Float32Array][]): Promise<void>;
}

export function idbFeatureStore(useStore: UseStore = createStore(FEATURE_DB, FEATURE_STORE)): FeatureStore {
  return {
    getMany: (keys) => getMany<Float32Array>(keys, useStore),
    setMany: (entries) => setMany(entries, useStore),
  };
}

export function memoryFeatureStore(): FeatureStore & { size(): number } {
  const m = new Map<string, Float32Array>();
  return {
    size: () => m.size,
    getMany: async (keys) => keys.map((k) => m.get(k)?.slice()),
    setMany: async (entries) => void entries.forEach(([k, v]) => m.set(k, v.slice())),
  };
}

export async function sha256Hex(bytes: Uint8Array | ArrayBuffer): Promise<string> {
  const buf = bytes instanceof Uint8Array ? new Uint8Array(bytes) : bytes; // copy: digest wants an ArrayBuffer-backed view
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
  return Array.from(d, (b) => b.toString(16).padStart(2, '0')).join('');
}

export interface ImageInput {
  name: string;
  bytes: Uint8Array;
}

export interface FeatureResult {
  /** [rows, tokensPerImage, H] features of the images that decoded, in input order. */
  features: Float32Array;
  /** Input index of each feature row. */
  rows: number[];
  hits: number;
  misses: number;
  problems: Problem[];
}

export interface FeatureCacheDeps {
  store: FeatureStore;
  modelId: string;
  /** Per-image feature length (tokensPerImage · H). */
  rowSize: number;
  preprocessor: PreprocessorConfig;
  /** Created lazily, only when some image misses the cache. */
  encoder: () => Promise<VisionEncoder>;
  onProgress?: (done: number, total: number) => void;
  /** Images per encoder call. */
  chunk?: number;
}

/** Features for `images` (cache first, encoder for the misses, misses written back). */
export async function cachedFeatures(images: readonly ImageInput[], d: FeatureCacheDeps): Promise<FeatureResult> {
  const keys = await Promise.all(images.map(async (im) => `${d.modelId}:${PREPROCESS_VERSION}:${await sha256Hex(im.bytes)}`));
  const found = await d.store.getMany(keys);
  const out: (Float32Array | null)[] = found.map((f) => (f && f.length === d.rowSize ? f : null));
  const hits = out.filter((f) => f).length;
  const problems: Problem[] = [];
  const missing = out.flatMap((f, i) => (f ? [] : [i]));
  let done = hits;
  d.onProgress?.(done, images.length);
  const chunk = d.chunk ?? 16;
  let encoder: VisionEncoder | null = null;
  for (let s = 0; s < missing.length; s += chunk) {
    const idx: number[] = [];
    const pixels: Float32Array[] = [];
    for (const i of missing.slice(s, s + chunk)) {
      try {
        pixels.push((await loadImageTensor(images[i].bytes, images[i].name, d.preprocessor)).pixels);
        idx.push(i);
      } catch (e) {
        if (!(e instanceof ImageDecodeError)) throw e;
        problems.push({ file: e.file, reason: e.message });
      }
    }
    if (idx.length) {
      encoder ??= await d.encoder();
      const all = new Float32Array(pixels.reduce((a, p) => a + p.length, 0));
      pixels.reduce((o, p) => (all.set(p, o), o + p.length), 0);
      const feats = await encoder.encode(all, idx.length);
      if (feats.length !== idx.length * d.rowSize) {
        throw new Error(`host/feature_cache.ts: vision encoder returned ${feats.length} values for ${idx.length} images, expected ${idx.length}×${d.rowSize}`);
      }
      const entries: [string, Float32Array][] = idx.map((i, j) => {
        out[i] = feats.slice(j * d.rowSize, (j + 1) * d.rowSize);
        return [keys[i], out[i]!];
      });
      await d.store.setMany(entries);
    }
    done += Math.min(chunk, missing.length - s);
    d.onProgress?.(done, images.length);
  }
  const rows = out.flatMap((f, i) => (f ? [i] : []));
  const features = new Float32Array(rows.length * d.rowSize);
  rows.forEach((i, r) => features.set(out[i]!, r * d.rowSize));
  return { features, rows, hits, misses: missing.length, problems };
}
