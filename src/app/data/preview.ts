// Preview tiles (thumbnail object URL + caption) for the Data screen. The engine worker does
// the work (protocol/ui_work.ts) with the same code load-data runs:
//   synthetic: synthetic-scenes split 'train' (the scenes load-data {count, seed} trains on)
//   files:     preview-data (the dataset file parsed, images resolved by relative path /
//              basename); the tiles point back at the File objects, so no bytes come back
// Callers must URL.revokeObjectURL every tile.url when the preview is replaced.
import { getEngine } from '../engine.ts';

export interface Tile {
  url: string;
  name: string;
  caption: string;
}

export const MAX_TILES = 24;

export async function syntheticPreview(count: number, seed: number): Promise<Tile[]> {
  const { scenes } = await getEngine().request('synthetic-scenes', { split: 'train', count, seed, limit: MAX_TILES });
  return scenes.map((s) => ({ url: URL.createObjectURL(new Blob([s.png], { type: 'image/png' })), name: s.path, caption: s.caption }));
}

export async function filesPreview(files: File[]): Promise<Tile[]> {
  // Relative paths travel explicitly, not trusting webkitRelativePath to survive the structured clone.
  const named = files.map((f) => ({ path: f.webkitRelativePath || f.name, data: f }));
  const { tiles } = await getEngine().request('preview-data', { files: named, limit: MAX_TILES });
  return tiles.map((t) => ({ url: URL.createObjectURL(files[t.index]), name: t.path, caption: t.caption ?? '(no caption file)' }));
}
