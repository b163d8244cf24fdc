// Real browser decoding (headless Chromium): PNG and JPEG bytes made by OffscreenCanvas,
// our own PNG encoder's output, and the corrupt fixture file.
import { expect, test } from 'vitest';
import corruptUrl from '../../../e2e/fixtures/data/images/corrupt.png?url';
import redCubeUrl from '../../../e2e/fixtures/data/images/red_cube.png?url';
import { ImageDecodeError } from './errors.ts';
import goldenAlpha from './golden_alpha.json';
import { decodeImage, preprocessImages } from './image.ts';
import { compositeOnWhite } from './preprocess.ts';
import { encodePng } from './synthetic/png.ts';
import { renderScene } from './synthetic/raster.ts';

const CFG = { max_image_size: { longest_edge: 16 }, image_mean: [0.5, 0.5, 0.5], image_std: [0.5, 0.5, 0.5] };

/** A 24×12 image: left half pure red, right half pure blue, encoded by the browser. */
async function canvasBytes(type: 'image/png' | 'image/jpeg'): Promise<Blob> {
  const c = new OffscreenCanvas(24, 12);
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = '#ff0000';
  ctx.fillRect(0, 0, 12, 12);
  ctx.fillStyle = '#0000ff';
  ctx.fillRect(12, 0, 12, 12);
  return c.convertToBlob({ type, quality: 0.95 });
}

test('PNG from convertToBlob decodes exactly; preprocessing gives [3,S,S] in [-1,1]', async () => {
  const img = await decodeImage(await canvasBytes('image/png'), 'halves.png');
  expect([img.width, img.height]).toEqual([24, 12]);
  expect([...img.rgba.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
  expect([...img.rgba.subarray(4 * 23, 4 * 24)]).toEqual([0, 0, 255, 255]);
  const r = await preprocessImages([{ path: 'halves.png', bytes: await canvasBytes('image/png') }], CFG);
  const t = r.tensors.get('halves.png')!;
  expect(t.pixels.length).toBe(3 * 16 * 16);
  expect(t.pixels[0]).toBeCloseTo(1, 5); // R at (0,0)
  expect(t.pixels[2 * 256 + 15]).toBeCloseTo(1, 5); // B at (15,0)
  expect(t.pixels[256]).toBeCloseTo(-1, 5); // G everywhere -1
});

test('JPEG decodes to approximately the drawn colours', async () => {
  const img = await decodeImage(new Uint8Array(await (await canvasBytes('image/jpeg')).arrayBuffer()), 'halves.jpg');
  const [r, g, b] = img.rgba.subarray(4 * (6 * 24 + 3), 4 * (6 * 24 + 3) + 3);
  expect(r).toBeGreaterThan(230);
  expect(g).toBeLessThan(30);
  expect(b).toBeLessThan(30);
});

test('our stored-deflate PNG decodes in Chromium to the exact rasterised bytes', async () => {
  const scene = { objects: [{ shape: 'triangle' as const, colour: 'yellow' as const, size: 'large' as const, col: 0, row: 2, jx: 1, jy: -1 }] };
  const rgba = renderScene(scene, 40, 30);
  const img = await decodeImage(encodePng(rgba, 40, 30), 'scene.png');
  expect([img.width, img.height]).toEqual([40, 30]);
  expect(img.rgba).toEqual(rgba);
  const fixture = await decodeImage(await (await fetch(redCubeUrl)).blob(), 'red_cube.png');
  expect([...fixture.rgba.subarray(4 * (16 * 32 + 16), 4 * (16 * 32 + 16) + 4)]).toEqual([220, 40, 40, 255]);
});

test('corrupt and empty files: typed ImageDecodeError naming the file, counted by the loader', async () => {
  const corrupt = await (await fetch(corruptUrl)).blob();
  await expect(decodeImage(corrupt, 'images/corrupt.png')).rejects.toThrow(ImageDecodeError);
  await expect(decodeImage(corrupt, 'images/corrupt.png')).rejects.toThrow(/cannot decode image images\/corrupt\.png: not a decodable image/);
  const r = await preprocessImages(
    [
      { path: 'images/corrupt.png', bytes: corrupt },
      { path: 'ok.png', bytes: await canvasBytes('image/png') },
      { path: 'empty.png', bytes: new Uint8Array(0) },
      { path: 'text.jpg', bytes: new TextEncoder().encode('not a jpeg at all') },
    ],
    CFG,
  );
  expect([...r.tensors.keys()]).toEqual(['ok.png']);
  expect(r.errors.map((e) => e.file)).toEqual(['images/corrupt.png', 'empty.png', 'text.jpg']);
  expect(r.problems[1]).toEqual({ file: 'empty.png', reason: 'cannot decode image empty.png: file is empty' });
});

// A semi-transparent PNG written by PIL (scripts/python/golden_alpha.py): decoding must return
// the file's straight-alpha bytes (a 2D canvas premultiplies and loses them), and the tensor must
// equal transformers' pixel_values (convert_to_rgb onto white, rescale, normalize) bit for bit.
test('semi-transparent PNG: exact straight-alpha bytes, RGB and pixel_values as PIL + transformers', async () => {
  const g = goldenAlpha as { size: number; png_base64: string; rgba: number[]; rgb: number[]; image_mean: number[]; image_std: number[]; pixel_values: number[] };
  const png = Uint8Array.from(atob(g.png_base64), (ch) => ch.charCodeAt(0));
  const img = await decodeImage(png, 'alpha.png');
  expect([img.width, img.height]).toEqual([g.size, g.size]);
  expect([...img.rgba]).toEqual(g.rgba);
  expect([...compositeOnWhite(img.rgba)]).toEqual(g.rgb);
  const cfg = { max_image_size: { longest_edge: g.size }, image_mean: g.image_mean, image_std: g.image_std };
  const r = await preprocessImages([{ path: 'alpha.png', bytes: png }], cfg);
  expect([...r.tensors.get('alpha.png')!.pixels]).toEqual(g.pixel_values.map(Math.fround));
});
