// COCO captions JSON (captions_train2017.json layout):
//   { "images": [{"id": 9, "file_name": "000000000009.jpg", ...}],
//     "annotations": [{"image_id": 9, "id": 1, "caption": "A plate of food."}, ...] }
// Several annotations per image are grouped into one CaptionItem (captions[]), in file order.
// Captions are placed short/long by token length; COCO captions are nearly always short.
// `imageDir` prefixes file_name (COCO ships images in a folder such as `train2017/`).
import type { CaptionItem, ParseResult } from '../dataset.ts';
import { normalisePath } from '../dataset.ts';
import { DatasetError, type Problem } from '../errors.ts';
import { isObject, nonEmptyString, parseJsonFile } from './json.ts';
import { classifyCaption, countWords, LONG_MAX_TOKENS, type CountTokens } from './lengths.ts';

export interface CocoParseOptions {
  countTokens?: CountTokens;
  imageDir?: string;
}

export function parseCocoCaptions(text: string, file: string, opts: CocoParseOptions = {}): ParseResult<CaptionItem> {
  const countTokens = opts.countTokens ?? countWords;
  const root = parseJsonFile(text, file);
  if (!isObject(root)) throw new DatasetError(file, 'top level must be an object with "images" and "annotations"');
  if (!Array.isArray(root.images)) throw new DatasetError(file, '"images" is missing or not an array');
  if (!Array.isArray(root.annotations)) throw new DatasetError(file, '"annotations" is missing or not an array');
  const problems: Problem[] = [];
  const prefix = opts.imageDir ? normalisePath(opts.imageDir).replace(/\/?$/, '/') : '';
  const byId = new Map<number | string, CaptionItem>();
  root.images.forEach((img, i) => {
    const path = `images[${i}]`;
    if (!isObject(img)) return void problems.push({ file, path, reason: 'image entry is not an object' });
    const id = img.id;
    if (typeof id !== 'number' && typeof id !== 'string')
      return void problems.push({ file, path: `${path}.id`, reason: 'missing "id"' });
    if (!nonEmptyString(img.file_name))
      return void problems.push({ file, path: `${path}.file_name`, reason: `image id ${id} has no "file_name"` });
    if (byId.has(id)) return void problems.push({ file, path: `${path}.id`, reason: `duplicate image id ${id}; entry skipped` });
    byId.set(id, { image: prefix + normalisePath(img.file_name), captions: [], longCaptions: [], source: { file, path } });
  });
  root.annotations.forEach((a, i) => {
    const path = `annotations[${i}]`;
    if (!isObject(a)) return void problems.push({ file, path, reason: 'annotation is not an object' });
    const item = byId.get(a.image_id as number);
    if (!item) return void problems.push({ file, path: `${path}.image_id`, reason: `unknown image_id ${JSON.stringify(a.image_id)}` });
    if (!nonEmptyString(a.caption)) return void problems.push({ file, path: `${path}.caption`, reason: 'missing or empty caption' });
    const caption = a.caption.trim();
    const { cls, tokens } = classifyCaption(caption, countTokens);
    if (cls === 'too-long')
      return void problems.push({ file, path: `${path}.caption`, reason: `caption has ${tokens} tokens (> ${LONG_MAX_TOKENS}); rejected` });
    (cls === 'short' ? item.captions : item.longCaptions).push(caption);
  });
  const items: CaptionItem[] = [];
  for (const it of byId.values()) {
    if (it.captions.length + it.longCaptions.length === 0)
      problems.push({ ...it.source, reason: `image ${it.image} has no usable caption; skipped` });
    else items.push(it);
  }
  return { items, problems };
}
