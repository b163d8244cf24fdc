// Browser image decoding: bytes → RGBA8 via createImageBitmap + OffscreenCanvas, then the
// pure preprocessing in preprocess.ts. Runs in a Worker or a page (no DOM elements needed).
// A file that cannot be decoded raises ImageDecodeError naming it; `preprocessImages`
// catches those per file, so one corrupt image never stops a dataset load.
import { ImageDecodeError, type Problem } from './errors.ts';
import { preprocessRgba, type FitMode, type Preprocessed, type PreprocessorConfig } from './preprocess.ts';

export interface DecodedImage {
  rgba: Uint8ClampedArray;
  width: number;
  height: number;
}

export async function decodeImage(bytes: Blob | ArrayBuffer | Uint8Array, file: string): Promise<DecodedImage> {
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas !== 'function')
    throw new ImageDecodeError(file, 'createImageBitmap/OffscreenCanvas are not available in this runtime (browser only)');
  const blob = bytes instanceof Blob ? bytes : new Blob([bytes instanceof Uint8Array ? new Uint8Array(bytes) : bytes]);
  if (blob.size === 0) throw new ImageDecodeError(file, 'file is empty');
  let bmp: ImageBitmap;
  try {
    // No colour-space conversion and no premultiplication: keep the file's byte values.
    bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (e) {
    throw new ImageDecodeError(file, `not a decodable image (${(e as Error).message || String(e)})`);
  }
  try {
    const { width, height } = bmp;
    if (width === 0 || height === 0) throw new ImageDecodeError(file, 'image has zero size');
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new ImageDecodeError(file, 'could not get a 2D context to read pixels');
    ctx.drawImage(bmp, 0, 0);
    return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bmp.close();
  }
}

export async function loadImageTensor(bytes: Blob | ArrayBuffer | Uint8Array, file: string, cfg: PreprocessorConfig, fit: FitMode = 'squash'): Promise<Preprocessed> {
  const { rgba, width, height } = await decodeImage(bytes, file);
  return preprocessRgba(rgba, width, height, cfg, fit);
}

export interface ImageLoadResult {
  tensors: Map<string, Preprocessed>;
  /** One per file that failed, with the file name. */
  errors: ImageDecodeError[];
  /** The same failures as dataset problems (file + reason), for the UI's problem list. */
  problems: Problem[];
}

/** Decode + preprocess many files sequentially; failures are collected, not thrown. */
export async function preprocessImages(
  files: Iterable<{ path: string; bytes: Blob | ArrayBuffer | Uint8Array }>,
  cfg: PreprocessorConfig,
  fit: FitMode = 'squash',
  onProgress?: (done: number) => void,
): Promise<ImageLoadResult> {
  const out: ImageLoadResult = { tensors: new Map(), errors: [], problems: [] };
  let done = 0;
  for (const f of files) {
    try {
      out.tensors.set(f.path, await loadImageTensor(f.bytes, f.path, cfg, fit));
    } catch (e) {
      if (!(e instanceof ImageDecodeError)) throw e;
      out.errors.push(e);
      out.problems.push({ file: e.file, reason: e.message });
    }
    onProgress?.(++done);
  }
  return out;
}
