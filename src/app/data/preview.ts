// Preview tiles (thumbnail object URL + caption) for the Data screen, computed on the main
// thread with the engine's pure-TS data code (the same parsers/generator the worker uses):
//   synthetic: syntheticFiles with the host's split sizes (count train, max(4, count/4) val)
//   files:     the dataset file parsed + images resolved by relative path / basename
// Callers must URL.revokeObjectURL every tile.url when the preview is replaced.
import { parseDatasetFile } from '../../engine/data/formats/index.ts';
import { namedBrowserFiles, resolveImages } from '../../engine/data/resolve.ts';
import { syntheticFiles } from '../../engine/data/synthetic/files.ts';

export interface Tile {
  url: string;
  name: string;
  caption: string;
}

export const MAX_TILES = 24;

export function syntheticPreview(count: number, seed: number): Tile[] {
  const val = Math.max(4, Math.floor(count / 4));
  const { dataset, files } = syntheticFiles({ seed, train: count, val, test: 0, winoground: 0 });
  return dataset.train.slice(0, MAX_TILES).map((s) => {
    const name = `images/train/${s.id}.png`;
    const bytes = files.get(name)!;
    return { url: URL.createObjectURL(new Blob([bytes.slice().buffer as ArrayBuffer], { type: 'image/png' })), name, caption: s.caption };
  });
}

const DATASET_RE = /\.(jsonl|csv|json)$/i;

export async function filesPreview(files: File[]): Promise<Tile[]> {
  const named = namedBrowserFiles(files);
  const ds = named.filter((f) => DATASET_RE.test(f.path) && !/(^|\/)(manifest|config)\.json$/i.test(f.path));
  const file = ds.length === 1 ? ds[0] : ds.find((f) => /(^|\/)captions_train\./i.test(f.path));
  if (!file) {
    // No dataset file (yet): show the images alone.
    return named.filter((f) => /\.(png|jpe?g|webp|gif|bmp)$/i.test(f.path)).slice(0, MAX_TILES)
      .map((f) => ({ url: URL.createObjectURL(f.file), name: f.path, caption: '(no caption file)' }));
  }
  const parsed = parseDatasetFile(file.path, await file.file.text());
  if (parsed.kind !== 'captions') return [];
  const res = resolveImages(parsed, named);
  return res.usable.slice(0, MAX_TILES).map((i) => {
    const item = parsed.items[i];
    const f = res.images.get(item.image)!;
    return { url: URL.createObjectURL(f.file), name: f.path, caption: item.captions[0] ?? item.longCaptions[0] ?? '' };
  });
}
