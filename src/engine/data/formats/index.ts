// One entry point: parse a dataset file by name + text, detecting the format from the
// extension and the shape of the content. Throws DatasetError only for an unusable file.
import type { Dataset, SugarCrepeCategory } from '../dataset.ts';
import { DatasetError } from '../errors.ts';
import { parseCaptionsCsv, parseCaptionsJsonl } from './captions.ts';
import { parseCocoCaptions } from './coco.ts';
import { isObject, parseJsonFile } from './json.ts';
import type { CountTokens } from './lengths.ts';
import { parseSugarCrepe, parseTriplets } from './sugarcrepe.ts';
import { parseWinoground } from './winoground.ts';

export interface ParseDatasetOptions {
  countTokens?: CountTokens;
  category?: SugarCrepeCategory;
  imageDir?: string;
  /** Winoground only: extension appended to extension-less image names. */
  imageExtension?: string;
}

export function parseDatasetFile(file: string, text: string, opts: ParseDatasetOptions = {}): Dataset {
  const lower = file.toLowerCase();
  if (lower.endsWith('.csv')) return { kind: 'captions', file, ...parseCaptionsCsv(text, file, opts) };
  if (lower.endsWith('.jsonl')) {
    const first = text.split(/\r?\n/).find((l) => l.trim() !== '') ?? '';
    if (/"image_0"/.test(first)) return { kind: 'winoground', file, ...parseWinoground(text, file, opts) };
    return { kind: 'captions', file, ...parseCaptionsJsonl(text, file, opts) };
  }
  if (lower.endsWith('.json')) {
    const root = parseJsonFile(text, file);
    if (isObject(root) && 'annotations' in root) return { kind: 'captions', file, ...parseCocoCaptions(text, file, opts) };
    const sample = Array.isArray(root) ? root[0] : isObject(root) ? Object.values(root)[0] : undefined;
    if (isObject(sample)) {
      if ('image_0' in sample) return { kind: 'winoground', file, ...parseWinoground(text, file, opts) };
      if ('caption2' in sample) return { kind: 'triplets', file, ...parseTriplets(text, file, opts) };
      if ('negative_caption' in sample) return { kind: 'sugarcrepe', file, ...parseSugarCrepe(text, file, opts) };
    }
    throw new DatasetError(file, 'unrecognised JSON layout: expected COCO captions, SugarCrepe, SugarCrepe++ or Winoground');
  }
  throw new DatasetError(file, 'unsupported file type; expected .jsonl, .csv or .json');
}

export { parseCaptionsCsv, parseCaptionsJsonl, mergeByImage } from './captions.ts';
export { parseCocoCaptions } from './coco.ts';
export { parseSugarCrepe, parseTriplets, categoryFromFileName } from './sugarcrepe.ts';
export { parseWinoground } from './winoground.ts';
export { parseCsv } from './csv.ts';
export { classifyCaption, countWords } from './lengths.ts';
