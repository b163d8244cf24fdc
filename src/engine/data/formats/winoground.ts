// Winoground-style items: two images, two captions, caption_i matches image_i.
// Accepts the Winoground release layout — JSON Lines, one object per line:
//   {"id": 0, "image_0": "ex_0_img_0", "image_1": "ex_0_img_1", "caption_0": "...", "caption_1": "..."}
// — or a JSON array of the same objects. Winoground writes image names WITHOUT extension;
// `imageExtension` (default none) is appended when a name has no '.'; resolveImages also
// falls back to matching by basename without extension.
import { normalisePath, type ParseResult, type Source, type WinogroundItem } from '../dataset.ts';
import { DatasetError, type Problem } from '../errors.ts';
import { isObject, nonEmptyString, parseJsonFile } from './json.ts';

export interface WinogroundParseOptions {
  imageDir?: string;
  imageExtension?: string;
}

export function parseWinoground(text: string, file: string, opts: WinogroundParseOptions = {}): ParseResult<WinogroundItem> {
  const prefix = opts.imageDir ? normalisePath(opts.imageDir).replace(/\/?$/, '/') : '';
  const ext = opts.imageExtension ? opts.imageExtension.replace(/^\.?/, '.') : '';
  const problems: Problem[] = [];
  const rows: Array<{ v: unknown; source: Source }> = [];
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new DatasetError(file, 'file is empty');
  if (trimmed.startsWith('[')) {
    const root = parseJsonFile(trimmed, file) as unknown[];
    root.forEach((v, i) => rows.push({ v, source: { file, path: `[${i}]` } }));
  } else {
    text.split(/\r?\n/).forEach((l, i) => {
      if (l.trim() === '') return;
      try {
        rows.push({ v: JSON.parse(l), source: { file, line: i + 1 } });
      } catch (e) {
        problems.push({ file, line: i + 1, reason: `invalid JSON: ${(e as Error).message}` });
      }
    });
  }
  const img = (name: string) => prefix + normalisePath(name.trim()) + (ext && !/\.[^/]+$/.test(name) ? ext : '');
  const items: WinogroundItem[] = [];
  const firstOf = new Map<string, Source>(); // id → row that defined it (a repeated id is a copy-paste slip)
  const at = (s: Source) => (s.line !== undefined ? `line ${s.line}` : (s.path ?? ''));
  rows.forEach(({ v, source }, i) => {
    if (!isObject(v)) return void problems.push({ ...source, reason: 'row is not a JSON object' });
    for (const f of ['image_0', 'image_1', 'caption_0', 'caption_1'])
      if (!nonEmptyString(v[f])) return void problems.push({ ...source, reason: `missing or empty "${f}"` });
    const [i0, i1, c0, c1] = [v.image_0, v.image_1, v.caption_0, v.caption_1] as string[];
    if (i0.trim() === i1.trim()) return void problems.push({ ...source, reason: 'image_0 and image_1 are the same image' });
    if (c0.trim() === c1.trim()) return void problems.push({ ...source, reason: 'caption_0 and caption_1 are identical' });
    const id = v.id === undefined ? String(i) : String(v.id);
    const first = firstOf.get(id);
    if (first) return void problems.push({ ...source, reason: `id ${JSON.stringify(id)} repeats ${at(first)}; the first is kept, this row is skipped` });
    firstOf.set(id, source);
    items.push({
      id,
      images: [img(i0), img(i1)],
      captions: [c0.trim(), c1.trim()],
      source,
    });
  });
  return { items, problems };
}
