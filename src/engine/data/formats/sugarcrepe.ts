// SugarCrepe (Hsieh et al. 2023) and SugarCrepe++ (Dumpala et al. 2024) JSON.
//   SugarCrepe, one file per category (replace_obj.json, swap_att.json, ...):
//     {"0": {"filename": "000000391895.jpg", "caption": "...", "negative_caption": "..."}, ...}
//     Keys are string indices and may be non-contiguous; they become item ids.
//   SugarCrepe++ style triplets: same layout (object of objects, or an array), with a second
//     positive: {"filename", "caption", "caption2", "negative_caption"}.
// The category comes from the `category` option or else from the file name
// (`replace_obj`, `replace-obj`, `swap_att` ... anywhere in the name).
import { normalisePath, SUGARCREPE_CATEGORIES, type ParseResult, type SugarCrepeCategory, type SugarCrepeItem, type TripletItem } from '../dataset.ts';
import { DatasetError, type Problem } from '../errors.ts';
import { isObject, nonEmptyString, parseJsonFile } from './json.ts';

export interface SugarCrepeParseOptions {
  category?: SugarCrepeCategory;
  imageDir?: string;
}

/** Category from a file name such as `data/swap_att.json`; undefined when none matches. */
export function categoryFromFileName(file: string): SugarCrepeCategory | undefined {
  const base = file.split(/[\\/]/).pop()!.toLowerCase();
  const m = /(replace|swap|add)[-_](obj|att|rel)/.exec(base);
  if (!m) return undefined;
  const c = `${m[1]}-${m[2]}`;
  return (SUGARCREPE_CATEGORIES as readonly string[]).includes(c) ? (c as SugarCrepeCategory) : undefined;
}

/** Entries of an object-of-objects or an array, with their JSON path and id. */
function entries(root: unknown, file: string): Array<{ id: string; path: string; v: unknown }> {
  if (Array.isArray(root)) return root.map((v, i) => ({ id: String(i), path: `[${i}]`, v }));
  if (isObject(root)) return Object.entries(root).map(([k, v]) => ({ id: k, path: `[${JSON.stringify(k)}]`, v }));
  throw new DatasetError(file, 'top level must be an object keyed by index (or an array) of items');
}

function prefixOf(imageDir?: string): string {
  return imageDir ? normalisePath(imageDir).replace(/\/?$/, '/') : '';
}

/** Check required string fields; pushes a problem naming the first bad field. */
function requireStrings(v: unknown, fields: string[], file: string, path: string, problems: Problem[]): v is Record<string, string> {
  if (!isObject(v)) {
    problems.push({ file, path, reason: 'item is not an object' });
    return false;
  }
  for (const f of fields) {
    if (!nonEmptyString(v[f])) {
      problems.push({ file, path: `${path}.${f}`, reason: `missing or empty "${f}"` });
      return false;
    }
  }
  return true;
}

export function parseSugarCrepe(text: string, file: string, opts: SugarCrepeParseOptions = {}): ParseResult<SugarCrepeItem> {
  const category = opts.category ?? categoryFromFileName(file);
  if (!category)
    throw new DatasetError(file, `cannot tell the SugarCrepe category from the file name; expected one of ${SUGARCREPE_CATEGORIES.join(', ')}`);
  const prefix = prefixOf(opts.imageDir);
  const items: SugarCrepeItem[] = [];
  const problems: Problem[] = [];
  for (const { id, path, v } of entries(parseJsonFile(text, file), file)) {
    if (!requireStrings(v, ['filename', 'caption', 'negative_caption'], file, path, problems)) continue;
    if (v.caption.trim() === v.negative_caption.trim()) {
      problems.push({ file, path, reason: 'negative_caption is identical to caption' });
      continue;
    }
    items.push({
      id,
      category,
      image: prefix + normalisePath(v.filename.trim()),
      caption: v.caption.trim(),
      negative: v.negative_caption.trim(),
      source: { file, path },
    });
  }
  return { items, problems };
}

export function parseTriplets(text: string, file: string, opts: SugarCrepeParseOptions = {}): ParseResult<TripletItem> {
  const category = opts.category ?? categoryFromFileName(file);
  const prefix = prefixOf(opts.imageDir);
  const items: TripletItem[] = [];
  const problems: Problem[] = [];
  for (const { id, path, v } of entries(parseJsonFile(text, file), file)) {
    if (!requireStrings(v, ['filename', 'caption', 'caption2', 'negative_caption'], file, path, problems)) continue;
    const neg = v.negative_caption.trim();
    if (neg === v.caption.trim() || neg === v.caption2.trim()) {
      problems.push({ file, path, reason: 'negative_caption is identical to a positive caption' });
      continue;
    }
    items.push({
      id,
      ...(category ? { category } : {}),
      image: prefix + normalisePath(v.filename.trim()),
      positives: [v.caption.trim(), v.caption2.trim()],
      negative: neg,
      source: { file, path },
    });
  }
  return { items, problems };
}
