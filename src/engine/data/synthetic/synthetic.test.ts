import { inflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { SUGARCREPE_CATEGORIES } from '../dataset.ts';
import { parseDatasetFile } from '../formats/index.ts';
import { countWords } from '../formats/lengths.ts';
import { resolveImages } from '../resolve.ts';
import { longCaption } from './captions.ts';
import { syntheticFiles } from './files.ts';
import { generateSynthetic } from './generate.ts';
import { GOLDEN, renderDigest } from './golden.ts';
import { captionText, checkCaption, parseCaption, CaptionParseError } from './language.ts';
import { encodePng, crc32 } from './png.ts';
import { fnv1a, Rng } from './prng.ts';
import { renderScene, BACKGROUND, PALETTE } from './raster.ts';
import { canonical, type Scene } from './scene.ts';

describe('prng', () => {
  test('mulberry32 sequence is pinned and seed-dependent', () => {
    const r = new Rng(42);
    expect([r.u32(), r.u32(), r.u32()]).toEqual([2581720956, 1925393290, 3661312704]);
    expect(new Rng(43).u32()).not.toBe(2581720956);
    expect(fnv1a(new TextEncoder().encode('a'))).toBe('e40c292c'); // FNV-1a 32 reference value
  });
});

describe('rasteriser and PNG', () => {
  test('golden digests (the browser test checks the same values)', () => {
    for (const g of Object.values(GOLDEN)) expect(renderDigest(g.count, g.width, g.height)).toEqual({ pixels: g.pixels, png: g.png });
  });
  test('pixels: background corners, object colour at its centre', () => {
    const scene: Scene = { objects: [{ shape: 'ball', colour: 'red', size: 'large', col: 1, row: 1, jx: 0, jy: 0 }] };
    const img = renderScene(scene, 64, 64);
    const px = (x: number, y: number) => [...img.subarray(4 * (y * 64 + x), 4 * (y * 64 + x) + 4)];
    expect(px(0, 0)).toEqual([...BACKGROUND, 255]);
    expect(px(32, 32)).toEqual([...PALETTE.red, 255]);
    // Anti-aliased edge: some pixel strictly between background and red.
    const row = Array.from({ length: 64 }, (_, x) => px(x, 32)[0]);
    expect(row.some((v) => v > BACKGROUND[0] && v < PALETTE.red[0])).toBe(true);
  });
  test('PNG structure: signature, chunk CRCs, zlib stream inflates to filtered rows', () => {
    const rgba = renderScene(generateSynthetic({ seed: 3, train: 1, val: 0, test: 0, winoground: 0 }).train[0].scene, 20, 10);
    const png = encodePng(rgba, 20, 10);
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const dv = new DataView(png.buffer, png.byteOffset);
    let o = 8;
    const chunks: string[] = [];
    let idat: Uint8Array | null = null;
    while (o < png.length) {
      const len = dv.getUint32(o);
      const type = String.fromCharCode(...png.subarray(o + 4, o + 8));
      expect(dv.getUint32(o + 8 + len)).toBe(crc32(png, o + 4, o + 8 + len));
      if (type === 'IDAT') idat = png.subarray(o + 8, o + 8 + len);
      chunks.push(type);
      o += 12 + len;
    }
    expect(chunks).toEqual(['IHDR', 'IDAT', 'IEND']);
    const raw = inflateSync(idat!);
    expect(raw.length).toBe(10 * (20 * 4 + 1));
    for (let y = 0; y < 10; y++) {
      expect(raw[y * 81]).toBe(0);
      expect([...raw.subarray(y * 81 + 1, y * 81 + 81)]).toEqual([...rgba.subarray(y * 80, y * 80 + 80)]);
    }
    expect(() => encodePng(rgba, 21, 10)).toThrow(/expected 21×10×4 = 840 bytes, got 800/);
  });
  test('multi-block stored deflate (> 64 KiB of rows) inflates correctly', () => {
    const rgba = renderScene(generateSynthetic({ seed: 4, train: 1, val: 0, test: 0, winoground: 0 }).train[0].scene, 160, 120);
    const png = encodePng(rgba, 160, 120);
    const idatLen = new DataView(png.buffer).getUint32(33);
    expect(inflateSync(png.subarray(41, 41 + idatLen)).length).toBe(120 * 641);
  });
});

describe('caption language and checker', () => {
  const scene: Scene = {
    objects: [
      { shape: 'cube', colour: 'red', size: 'large', col: 0, row: 1, jx: 0, jy: 0 },
      { shape: 'ball', colour: 'blue', size: 'small', col: 2, row: 0, jx: 0, jy: 0 },
    ],
  };
  test('hand-checked truths', () => {
    expect(checkCaption('a red cube left of a blue ball', scene)).toBe(true);
    expect(checkCaption('a blue ball left of a red cube', scene)).toBe(false);
    expect(checkCaption('a cube below a ball', scene)).toBe(true);
    expect(checkCaption('a large cube bigger than a small blue ball', scene)).toBe(true);
    expect(checkCaption('a red cube and a green ball', scene)).toBe(false);
    expect(checkCaption('a red ball', scene)).toBe(false);
    expect(checkCaption('a red cube left of a red cube', scene)).toBe(false); // needs a different object
  });
  test('parse is the inverse of render; bad captions name the word', () => {
    const t = 'a small red cube above a ball and a green triangle';
    expect(captionText(parseCaption(t))).toBe(t);
    expect(() => parseCaption('a red cube next to a ball')).toThrow(CaptionParseError);
    expect(() => parseCaption('a red dog')).toThrow(/expected a shape, got "dog" at word 3/);
  });
});

describe('synthetic dataset', () => {
  const ds = generateSynthetic({ seed: 7, train: 300, val: 60, test: 120, winoground: 24 });
  const all = [...ds.train, ...ds.val, ...ds.test, ...ds.winoground.flatMap((p) => p.scenes)];
  test('deterministic for a seed', () => {
    const again = generateSynthetic({ seed: 7, train: 300, val: 60, test: 120, winoground: 24 });
    expect(JSON.stringify(again)).toBe(JSON.stringify(ds));
    expect(JSON.stringify(generateSynthetic({ seed: 8, train: 300, val: 60, test: 120, winoground: 24 }))).not.toBe(JSON.stringify(ds));
  });
  test('splits (and Winoground scenes) share no scene', () => {
    const keys = all.map((s) => canonical(s.scene));
    expect(new Set(keys).size).toBe(keys.length);
  });
  test('short captions true and < 30 tokens; long captions 30..500 words and mention every object', () => {
    for (const s of all) {
      expect(checkCaption(s.caption, s.scene)).toBe(true);
      expect(countWords(s.caption)).toBeLessThan(30);
      const n = countWords(s.longCaption);
      expect(n).toBeGreaterThanOrEqual(30);
      expect(n).toBeLessThanOrEqual(500);
      for (const o of s.scene.objects) expect(s.longCaption).toContain(`a ${o.size} ${o.colour} ${o.shape}`);
    }
    expect(longCaption(ds.train[0].scene)).toBe(ds.train[0].longCaption);
  });
  test('every hard negative is FALSE for its scene; all seven categories are produced', () => {
    const counts = Object.fromEntries(SUGARCREPE_CATEGORIES.map((c) => [c, 0]));
    for (const s of all)
      for (const [cat, neg] of Object.entries(s.negatives)) {
        expect(checkCaption(neg!, s.scene), `${s.id} ${cat}: "${neg}"`).toBe(false);
        expect(neg).not.toBe(s.caption);
        counts[cat]++;
      }
    for (const c of SUGARCREPE_CATEGORIES) expect(counts[c], c).toBeGreaterThan(50);
  });
  test('Winoground pairs: caption_i true for image_i only, same words', () => {
    expect(new Set(ds.winoground.map((p) => p.kind))).toEqual(new Set(['swap-obj-order', 'swap-att']));
    for (const p of ds.winoground) {
      const [a, b] = p.scenes.map((s) => s.scene);
      expect([checkCaption(p.captions[0], a), checkCaption(p.captions[1], b)]).toEqual([true, true]);
      expect([checkCaption(p.captions[0], b), checkCaption(p.captions[1], a)]).toEqual([false, false]);
      expect(p.captions[0].split(' ').sort()).toEqual(p.captions[1].split(' ').sort());
    }
  });
});

test('syntheticFiles writes real formats that our parsers read without problems', () => {
  const { files, dataset } = syntheticFiles({ seed: 5, train: 12, val: 4, test: 10, winoground: 4, width: 32, height: 32 });
  const text = (p: string) => new TextDecoder().decode(files.get(p)!);
  const named = [...files.keys()].map((path) => ({ path: `synth/${path}` }));
  const loaded = [
    parseDatasetFile('captions_train.jsonl', text('captions_train.jsonl')),
    parseDatasetFile('winoground.jsonl', text('winoground.jsonl')),
    ...SUGARCREPE_CATEGORIES.map((c) => `sugarcrepe/${c.replace('-', '_')}.json`).map((p) => parseDatasetFile(p, text(p))),
  ];
  for (const ds of loaded) {
    expect(ds.problems).toEqual([]);
    expect(resolveImages(ds, named).problems).toEqual([]);
  }
  expect(loaded[0].items).toHaveLength(12);
  expect(loaded[0].kind === 'captions' && loaded[0].items[0].longCaptions[0]).toBe(dataset.train[0].longCaption);
  expect(loaded[1].items).toHaveLength(4);
  const manifest = JSON.parse(text('manifest.json'));
  expect(manifest.splits).toEqual({ train: 12, val: 4, test: 10 });
});

test('writeSyntheticDataset writes the files to disk', async () => {
  const { mkdtemp, readFile, rm } = await import('node:fs/promises');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { writeSyntheticDataset } = await import('./write_node.ts');
  const dir = await mkdtemp(join(tmpdir(), 'discern-synth-'));
  try {
    const r = await writeSyntheticDataset(dir, { seed: 9, train: 3, val: 1, test: 2, winoground: 1, width: 16, height: 16 });
    // 6 split images + 2 Winoground images + 3 captions files + 7 SugarCrepe + winoground + manifest
    expect(r.files).toBe(6 + 2 + 3 + 7 + 1 + 1);
    const png = await readFile(join(dir, 'images/train/train-00000.png'));
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect(JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')).seed).toBe(9);
  } finally {
    await rm(dir, { recursive: true });
  }
});
