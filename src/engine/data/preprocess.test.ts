import { expect, test } from 'vitest';
import golden from './golden_alpha.json';
import { compositeOnWhite, preprocessRgba, resizeBilinear, targetSize } from './preprocess.ts';

const SMOLVLM = { do_resize: true, size: { longest_edge: 2048 }, max_image_size: { longest_edge: 4 }, rescale_factor: 1 / 255, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] };
const solid = (w: number, h: number, rgba: number[]) => Uint8ClampedArray.from({ length: w * h * 4 }, (_, i) => rgba[i % 4]);

test('target size prefers the tile size (max_image_size) over size.longest_edge', () => {
  expect(targetSize(SMOLVLM)).toBe(4);
  expect(targetSize({ size: { longest_edge: 384 } })).toBe(384);
  expect(() => targetSize({})).toThrow(/names no image size/);
});

test('rescale + normalise: 255 → 1, 0 → -1, 51 → -0.6; alpha composited on white', () => {
  const r = preprocessRgba(solid(4, 4, [255, 0, 51, 255]), 4, 4, SMOLVLM);
  expect(r.pixels.length).toBe(3 * 4 * 4);
  expect(r.pixels[0]).toBeCloseTo(1, 6);
  expect(r.pixels[16]).toBeCloseTo(-1, 6);
  expect(r.pixels[32]).toBeCloseTo(-0.6, 6);
  const t = preprocessRgba(solid(4, 4, [0, 0, 0, 0]), 4, 4, SMOLVLM); // fully transparent → white
  expect([...t.pixels].every((v) => Math.abs(v - 1) < 1e-6)).toBe(true);
});

test('bilinear: 2× downscale PIL-style antialiased triangle filter, upscale interpolates', () => {
  // 1 channel 4×2 → 2×1
  const down = resizeBilinear(new Float32Array([0, 2, 10, 20, 4, 6, 30, 40]), 1, 2, 4, 1, 2);
  // PIL antialias: scale 2 ⇒ triangle of radius 2 input px. Output x=0 has centre 1.0 and
  // taps i=0,1,2 at |i+0.5-1|/2 = .25,.25,.75 → weights .75,.75,.25 → 3/7,3/7,1/7.
  // Row 0: (0·3+2·3+10)/7 = 16/7; row 1: (4·3+6·3+30)/7 = 60/7; vertical (2→1) averages: 38/7.
  expect(down[0]).toBeCloseTo(38 / 7, 5);
  const up = resizeBilinear(new Float32Array([0, 10]), 1, 1, 2, 1, 4);
  // PIL: centres at 0.25, 0.75, 1.25, 1.75 input px → 0, 2.5, 7.5, 10 (edges clamp by renormalising)
  expect([...up]).toEqual([0, 2.5, 7.5, 10]);
  const same = resizeBilinear(new Float32Array([1, 2, 3, 4]), 1, 2, 2, 2, 2);
  expect([...same]).toEqual([1, 2, 3, 4]);
});

test('squash vs pad: pad keeps aspect, top-left, zero padding and a mask', () => {
  const rgba = solid(8, 4, [255, 255, 255, 255]);
  const sq = preprocessRgba(rgba, 8, 4, SMOLVLM, 'squash');
  expect([...sq.mask].every((m) => m === 1)).toBe(true);
  const pad = preprocessRgba(rgba, 8, 4, SMOLVLM, 'pad');
  // 8×4 → 4×2 real pixels in rows 0..1, rows 2..3 padded.
  expect([...pad.mask]).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
  expect(pad.pixels[0]).toBeCloseTo(1, 6);
  expect(pad.pixels[8]).toBe(0);
  expect(() => preprocessRgba(rgba, 8, 4, { ...SMOLVLM, do_resize: false })).toThrow(/do_resize is false but the image is 8×4, not 4×4/);
});

// Golden from PIL itself (scripts/python/golden_alpha.py): transformers' convert_to_rgb of a
// semi-transparent 8×8 PNG (alpha 0, 1, 2, 63, 64, 127, 128, 129, 191, 200, 253, 254, 255, random).
test('alpha onto white is bit-identical to PIL alpha_composite + convert(RGB); pixel_values to transformers', () => {
  const g = golden as { size: number; rgba: number[]; rgb: number[]; image_mean: number[]; image_std: number[]; pixel_values: number[] };
  const rgb = compositeOnWhite(Uint8Array.from(g.rgba));
  expect([...rgb]).toEqual(g.rgb);
  // the old path kept the unrounded float blend: the golden must tell the two apart
  const unrounded = g.rgb.map((_, i) => {
    const p = Math.floor(i / 3), a = g.rgba[4 * p + 3] / 255;
    return g.rgba[4 * p + (i % 3)] * a + 255 * (1 - a);
  });
  expect(unrounded).not.toEqual(g.rgb);
  const t = preprocessRgba(Uint8Array.from(g.rgba), g.size, g.size, { max_image_size: { longest_edge: g.size }, image_mean: g.image_mean, image_std: g.image_std });
  expect([...t.pixels]).toEqual(g.pixel_values.map(Math.fround));
});
