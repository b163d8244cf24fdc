// Browser image decoding: bytes → straight-alpha RGBA8 via createImageBitmap, read back through
// a WebGL2 texture, then the pure preprocessing in preprocess.ts. Runs in a Worker or a page.
// Trap: a 2D canvas stores premultiplied alpha, so drawImage + getImageData loses colour at low
// alpha (alpha 1 keeps one level per channel; alpha 0 keeps none). WebGL with
// UNPACK_PREMULTIPLY_ALPHA false keeps the file's bytes; the 2D path is only the fallback when
// no WebGL2 context exists (opaque images are exact either way).
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
    const rgba = readStraightRgba(bmp, width, height);
    if (rgba) return { rgba, width, height };
    const ctx = new OffscreenCanvas(width, height).getContext('2d', { willReadFrequently: true });
    if (!ctx) throw new ImageDecodeError(file, 'could not get a WebGL2 or 2D context to read pixels');
    ctx.drawImage(bmp, 0, 0);
    return { rgba: ctx.getImageData(0, 0, width, height).data, width, height };
  } finally {
    bmp.close();
  }
}

let gl: WebGL2RenderingContext | null | undefined; // one context per thread, made on first use

/** The bitmap's bytes, unpremultiplied, row 0 first; null when WebGL2 is unavailable. */
function readStraightRgba(bmp: ImageBitmap, width: number, height: number): Uint8ClampedArray | null {
  if (gl === undefined) gl = new OffscreenCanvas(1, 1).getContext('webgl2', { premultipliedAlpha: false, antialias: false });
  if (!gl || gl.isContextLost()) return null;
  const tex = gl.createTexture(), fb = gl.createFramebuffer();
  try {
    gl.bindTexture(gl.TEXTURE_2D, tex);
    gl.pixelStorei(gl.UNPACK_PREMULTIPLY_ALPHA_WEBGL, false);
    gl.pixelStorei(gl.UNPACK_FLIP_Y_WEBGL, false); // texture row 0 = image row 0; readPixels returns it first
    gl.pixelStorei(gl.UNPACK_COLORSPACE_CONVERSION_WEBGL, gl.NONE);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, width, height, 0, gl.RGBA, gl.UNSIGNED_BYTE, bmp);
    gl.bindFramebuffer(gl.FRAMEBUFFER, fb);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, tex, 0);
    if (gl.checkFramebufferStatus(gl.FRAMEBUFFER) !== gl.FRAMEBUFFER_COMPLETE) return null;
    const out = new Uint8ClampedArray(width * height * 4);
    gl.pixelStorei(gl.PACK_ALIGNMENT, 1);
    gl.readPixels(0, 0, width, height, gl.RGBA, gl.UNSIGNED_BYTE, out);
    return gl.getError() === gl.NO_ERROR ? out : null;
  } finally {
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    gl.deleteFramebuffer(fb);
    gl.deleteTexture(tex);
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
