// Pure-TS image preprocessing (Node and browser): RGBA8 → Float32Array [3, S, S], the layout
// the vision tower takes (pixel_values of ONE tile, channel-major).
//
//  * Size S: `max_image_size.longest_edge` when present (Idefics3/SmolVLM: 512, the vision
//    encoder's tile), else `size.longest_edge`, else `size.height`. Trap: SmolVLM's
//    `size.longest_edge` (2048) is the whole-image size BEFORE tiling; we do not split into
//    tiles, so the tile size is the right single-image size.
//  * Alpha is composited onto white and rounded to 8 bits exactly as transformers'
//    `convert_to_rgb` does it (PIL `Image.alpha_composite` onto an opaque white RGBA image, then
//    `convert('RGB')`): PIL's integer arithmetic, bit for bit — see compositeOnWhite. Golden:
//    golden_alpha.json from scripts/python/golden_alpha.py (PIL itself).
//  * Resize: bilinear with PIL's antialiasing (the triangle filter widens by the scale factor
//    when downsampling), separable, in float — matches PIL BILINEAR to within rounding
//    (PIL rounds to uint8 between passes; we do not).
//  * fit 'squash' (default): resize straight to S×S, aspect not kept — what Idefics3 does
//    when do_image_splitting is false. fit 'pad': resize so the longest edge is S, keep the
//    aspect, place at top-left, pad with 0 AFTER normalisation (Idefics3 do_pad) and return
//    a [S, S] mask (1 = real pixel) for the attention mask.
//  * rescale (rescale_factor, default 1/255) then normalise (x - mean) / std per channel, with
//    transformers' float32 rounding (bit-identical to its pixel_values when no resize happens).

export interface PreprocessorConfig {
  do_resize?: boolean;
  size?: { longest_edge?: number; height?: number; width?: number };
  max_image_size?: { longest_edge?: number };
  do_rescale?: boolean;
  rescale_factor?: number;
  do_normalize?: boolean;
  image_mean?: number[];
  image_std?: number[];
}

export type FitMode = 'squash' | 'pad';

export interface Preprocessed {
  /** [3, size, size] channel-major. */
  pixels: Float32Array;
  size: number;
  /** [size, size], 1 where the pixel comes from the image (all ones for 'squash'). */
  mask: Uint8Array;
}

export function targetSize(cfg: PreprocessorConfig): number {
  const s = cfg.max_image_size?.longest_edge ?? cfg.size?.longest_edge ?? cfg.size?.height;
  if (!s || s <= 0) throw new RangeError('preprocessor config names no image size (max_image_size.longest_edge, size.longest_edge or size.height)');
  return s;
}

/** PIL-style resampling coefficients along one axis: for each output index, (start, weights). */
function coefficients(inSize: number, outSize: number): Array<{ start: number; w: Float64Array }> {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1);
  const support = 1 * filterscale; // bilinear support radius 1
  const out: Array<{ start: number; w: Float64Array }> = [];
  for (let o = 0; o < outSize; o++) {
    const center = (o + 0.5) * scale;
    const start = Math.max(Math.trunc(center - support + 0.5), 0);
    const end = Math.min(Math.trunc(center + support + 0.5), inSize);
    const w = new Float64Array(Math.max(end - start, 1));
    let sum = 0;
    for (let i = start; i < end; i++) {
      const t = Math.abs((i - center + 0.5) / filterscale);
      sum += w[i - start] = t < 1 ? 1 - t : 0;
    }
    if (sum > 0) for (let i = 0; i < w.length; i++) w[i] /= sum;
    else w[0] = 1;
    out.push({ start, w });
  }
  return out;
}

/** Resize float planes [C, h, w] → [C, oh, ow] (separable: horizontal then vertical). */
export function resizeBilinear(src: Float32Array, C: number, h: number, w: number, oh: number, ow: number): Float32Array {
  const cx = coefficients(w, ow);
  const cy = coefficients(h, oh);
  const tmp = new Float32Array(C * h * ow);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < h; y++)
      for (let x = 0; x < ow; x++) {
        const { start, w: k } = cx[x];
        let acc = 0;
        for (let i = 0; i < k.length; i++) acc += k[i] * src[(c * h + y) * w + start + i];
        tmp[(c * h + y) * ow + x] = acc;
      }
  const out = new Float32Array(C * oh * ow);
  for (let c = 0; c < C; c++)
    for (let y = 0; y < oh; y++) {
      const { start, w: k } = cy[y];
      for (let x = 0; x < ow; x++) {
        let acc = 0;
        for (let i = 0; i < k.length; i++) acc += k[i] * tmp[(c * h + start + i) * ow + x];
        out[(c * oh + y) * ow + x] = acc;
      }
    }
  return out;
}

/** PIL's "divide by 255, rounded" trick (libImaging AlphaComposite.c SHIFTFORDIV255). */
const shiftForDiv255 = (a: number): number => (((a >>> 8) + a) >>> 8);
const PRECISION_BITS = 7;

/**
 * RGBA8 [n·4] → RGB8 [n·3]: source over an opaque white destination with PIL's fixed-point
 * alpha_composite (7 extra bits, rounded divisions), then the alpha dropped (convert('RGB')).
 * With dst = (255,255,255,255) PIL computes, per pixel with alpha a > 0:
 *   outa255 = a·255 + 255·(255 − a);  coef1 = ⌊a·255·255·2^7 / outa255⌋;  coef2 = 255·2^7 − coef1
 *   out = SHIFTFORDIV255(c·coef1 + 255·coef2 + (0x80 << 7)) >> 7
 * and copies the destination (white) when a = 0. Checked over all 65 536 (c, a): onto white this
 * equals round(c·a/255 + 255·(1 − a/255)). Trap: the 8-bit rounding matters — the old path kept
 * that float unrounded, which was the 6e-4 relative embedding gap of issue 16.
 */
export function compositeOnWhite(rgba: Uint8Array | Uint8ClampedArray): Uint8Array {
  const n = rgba.length >> 2;
  const out = new Uint8Array(3 * n);
  for (let p = 0; p < n; p++) {
    const a = rgba[4 * p + 3];
    if (a === 0) {
      out[3 * p] = out[3 * p + 1] = out[3 * p + 2] = 255;
      continue;
    }
    const outa255 = a * 255 + 255 * (255 - a);
    const coef1 = Math.floor((a * 255 * 255 * (1 << PRECISION_BITS)) / outa255);
    const coef2 = 255 * (1 << PRECISION_BITS) - coef1;
    for (let c = 0; c < 3; c++) {
      const tmp = rgba[4 * p + c] * coef1 + 255 * coef2;
      out[3 * p + c] = shiftForDiv255(tmp + (0x80 << PRECISION_BITS)) >>> PRECISION_BITS;
    }
  }
  return out;
}

export function preprocessRgba(rgba: Uint8Array | Uint8ClampedArray, width: number, height: number, cfg: PreprocessorConfig, fit: FitMode = 'squash'): Preprocessed {
  if (rgba.length !== width * height * 4) throw new RangeError(`preprocessRgba: expected ${width}×${height}×4 bytes, got ${rgba.length}`);
  const S = targetSize(cfg);
  // RGBA → RGB8 composited on white as PIL does → planes [3, h, w] in 0..255.
  const rgb = compositeOnWhite(rgba);
  const planes = new Float32Array(3 * width * height);
  for (let p = 0; p < width * height; p++) for (let c = 0; c < 3; c++) planes[c * width * height + p] = rgb[3 * p + c];
  let ow = S;
  let oh = S;
  if (fit === 'pad') {
    const scale = S / Math.max(width, height);
    ow = Math.max(1, Math.min(S, Math.round(width * scale)));
    oh = Math.max(1, Math.min(S, Math.round(height * scale)));
  }
  if (cfg.do_resize === false && (width !== ow || height !== oh))
    throw new RangeError(`preprocessRgba: do_resize is false but the image is ${width}×${height}, not ${ow}×${oh}`);
  const resized = width === ow && height === oh ? planes : resizeBilinear(planes, 3, height, width, oh, ow);
  const rescale = cfg.do_rescale === false ? 1 : (cfg.rescale_factor ?? 1 / 255);
  const mean = cfg.do_normalize === false ? [0, 0, 0] : (cfg.image_mean ?? [0.5, 0.5, 0.5]);
  const std = cfg.do_normalize === false ? [1, 1, 1] : (cfg.image_std ?? [0.5, 0.5, 0.5]);
  const mean32 = mean.map(Math.fround), std32 = std.map(Math.fround);
  const pixels = new Float32Array(3 * S * S); // padding stays 0 after normalisation
  const mask = new Uint8Array(S * S);
  for (let y = 0; y < oh; y++)
    for (let x = 0; x < ow; x++) {
      mask[y * S + x] = 1;
      // transformers: rescale = float64 product cast to float32, normalize in float32 (fround
      // after each op reproduces float32 arithmetic exactly: the double results round once)
      for (let c = 0; c < 3; c++) pixels[(c * S + y) * S + x] = (Math.fround(resized[(c * oh + y) * ow + x] * rescale) - mean32[c]) / std32[c];
    }
  return { pixels, size: S, mask };
}
