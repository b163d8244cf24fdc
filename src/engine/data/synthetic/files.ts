// Serialise a synthetic dataset into files in the REAL formats the loaders read
// (paths relative to the dataset root):
//   images/<split>/<id>.png               RGBA PNG from the own rasteriser
//   captions_<split>.jsonl                {"image","caption","long_caption"} per scene
//   sugarcrepe/<replace_obj|...>.json     {"0": {"filename","caption","negative_caption"}} (test split)
//   winoground.jsonl                      {"id","image_0","image_1","caption_0","caption_1"}
//   manifest.json                         seed, sizes, counts
// Pure: returns bytes per path, so it runs in Node (write_node.ts) and in the browser.
import { SUGARCREPE_CATEGORIES } from '../dataset.ts';
import { generateSynthetic, type SyntheticDataset, type SyntheticOptions, type SyntheticScene } from './generate.ts';
import { encodePng } from './png.ts';
import { renderScene } from './raster.ts';

export interface SyntheticFileOptions extends SyntheticOptions {
  width?: number;
  height?: number;
}

const enc = new TextEncoder();

export function syntheticFiles(opts: SyntheticFileOptions = {}): { dataset: SyntheticDataset; files: Map<string, Uint8Array> } {
  const width = opts.width ?? 64;
  const height = opts.height ?? 64;
  const dataset = generateSynthetic(opts);
  const files = new Map<string, Uint8Array>();
  const image = (split: string, s: SyntheticScene) => {
    const path = `images/${split}/${s.id}.png`;
    files.set(path, encodePng(renderScene(s.scene, width, height), width, height));
    return path;
  };
  for (const split of ['train', 'val', 'test'] as const) {
    const rows = dataset[split].map((s) => JSON.stringify({ image: image(split, s), caption: s.caption, long_caption: s.longCaption }));
    files.set(`captions_${split}.jsonl`, enc.encode(rows.join('\n') + '\n'));
  }
  const counts: Record<string, number> = {};
  for (const cat of SUGARCREPE_CATEGORIES) {
    const obj: Record<string, { filename: string; caption: string; negative_caption: string }> = {};
    let k = 0;
    for (const s of dataset.test) {
      const neg = s.negatives[cat];
      if (neg) obj[String(k++)] = { filename: `images/test/${s.id}.png`, caption: s.caption, negative_caption: neg };
    }
    counts[cat] = k;
    files.set(`sugarcrepe/${cat.replace('-', '_')}.json`, enc.encode(JSON.stringify(obj, null, 1) + '\n'));
  }
  const wino = dataset.winoground.map((p) =>
    JSON.stringify({
      id: p.id,
      image_0: image('winoground', p.scenes[0]),
      image_1: image('winoground', p.scenes[1]),
      caption_0: p.captions[0],
      caption_1: p.captions[1],
      tag: p.kind,
    }),
  );
  files.set('winoground.jsonl', enc.encode(wino.join('\n') + '\n'));
  const manifest = {
    generator: 'discern-synthetic-scenes',
    version: 1,
    seed: dataset.seed,
    width,
    height,
    splits: { train: dataset.train.length, val: dataset.val.length, test: dataset.test.length },
    sugarcrepe: counts,
    winoground: dataset.winoground.length,
  };
  files.set('manifest.json', enc.encode(JSON.stringify(manifest, null, 2) + '\n'));
  return { dataset, files };
}
