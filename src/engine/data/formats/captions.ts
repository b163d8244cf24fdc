// captions.jsonl and captions.csv: one row per (image, caption[, long_caption]).
//   jsonl: {"image": "imgs/a.png", "caption": "a dog", "long_caption": "..."}   (one per line)
//   csv:   header `image,caption[,long_caption]` (any column order), RFC 4180 quoting.
// When only `caption` is present, it is placed by token length (lengths.ts): short, long, or
// rejected (> 500 tokens). When both are present, each is checked against its own bound.
// Rows for the same image are NOT merged here (order matters for splits); see mergeByImage.
import type { CaptionItem, ParseResult, Source } from '../dataset.ts';
import { normalisePath } from '../dataset.ts';
import { DatasetError, type Problem } from '../errors.ts';
import { parseCsv } from './csv.ts';
import { classifyCaption, countWords, LONG_MAX_TOKENS, SHORT_MAX_TOKENS, type CountTokens } from './lengths.ts';

export interface CaptionParseOptions {
  countTokens?: CountTokens;
}

interface RawRow {
  image: unknown;
  caption: unknown;
  long_caption?: unknown;
}

/** Validate one raw row and place its captions; pushes problems, returns null for a skipped row. */
function buildItem(raw: RawRow, source: Source, countTokens: CountTokens, problems: Problem[]): CaptionItem | null {
  const bad = (reason: string) => {
    problems.push({ ...source, reason });
    return null;
  };
  if (typeof raw.image !== 'string' || raw.image.trim() === '') return bad('missing or empty "image"');
  if (raw.caption !== undefined && typeof raw.caption !== 'string') return bad('"caption" is not a string');
  if (raw.long_caption !== undefined && raw.long_caption !== null && typeof raw.long_caption !== 'string')
    return bad('"long_caption" is not a string');
  const caption = ((raw.caption as string | undefined) ?? '').trim();
  const long = ((raw.long_caption as string | null | undefined) ?? '').trim();
  if (caption === '' && long === '') return bad('no caption: both "caption" and "long_caption" are empty');
  const item: CaptionItem = { image: normalisePath(raw.image.trim()), captions: [], longCaptions: [], source };
  if (long === '') {
    const { cls, tokens } = classifyCaption(caption, countTokens);
    if (cls === 'too-long') return bad(`caption has ${tokens} tokens (> ${LONG_MAX_TOKENS}); rejected`);
    (cls === 'short' ? item.captions : item.longCaptions).push(caption);
    return item;
  }
  if (caption !== '') {
    const { tokens } = classifyCaption(caption, countTokens);
    if (tokens > SHORT_MAX_TOKENS)
      problems.push({ ...source, reason: `"caption" has ${tokens} tokens (short captions need < 30); short caption dropped` });
    else item.captions.push(caption);
  }
  const { tokens } = classifyCaption(long, countTokens);
  if (tokens > LONG_MAX_TOKENS)
    problems.push({ ...source, reason: `"long_caption" has ${tokens} tokens (> ${LONG_MAX_TOKENS}); long caption dropped` });
  else item.longCaptions.push(long);
  if (item.captions.length === 0 && item.longCaptions.length === 0) return null; // reasons already pushed
  return item;
}

export function parseCaptionsJsonl(text: string, file: string, opts: CaptionParseOptions = {}): ParseResult<CaptionItem> {
  const countTokens = opts.countTokens ?? countWords;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.every((l) => l.trim() === '')) throw new DatasetError(file, 'file is empty');
  const items: CaptionItem[] = [];
  const problems: Problem[] = [];
  lines.forEach((l, idx) => {
    if (l.trim() === '') return;
    const source = { file, line: idx + 1 };
    let v: unknown;
    try {
      v = JSON.parse(l);
    } catch (e) {
      problems.push({ ...source, reason: `invalid JSON: ${(e as Error).message}` });
      return;
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      problems.push({ ...source, reason: 'row is not a JSON object' });
      return;
    }
    const it = buildItem(v as RawRow, source, countTokens, problems);
    if (it) items.push(it);
  });
  return { items, problems };
}

export function parseCaptionsCsv(text: string, file: string, opts: CaptionParseOptions = {}): ParseResult<CaptionItem> {
  const countTokens = opts.countTokens ?? countWords;
  const records = parseCsv(text);
  if (records.length === 0) throw new DatasetError(file, 'file is empty');
  const header = records[0].fields.map((h) => h.trim().toLowerCase());
  const col = (name: string) => header.indexOf(name);
  if (records[0].error) throw new DatasetError(file, `malformed header on line 1: ${records[0].error}`);
  if (col('image') < 0 || col('caption') < 0)
    throw new DatasetError(file, `header must name columns image,caption[,long_caption]; got "${records[0].fields.join(',')}"`);
  const items: CaptionItem[] = [];
  const problems: Problem[] = [];
  for (const r of records.slice(1)) {
    const source = { file, line: r.line };
    if (r.error) {
      problems.push({ ...source, reason: `malformed CSV: ${r.error}` });
      continue;
    }
    if (r.fields.length !== header.length) {
      problems.push({ ...source, reason: `expected ${header.length} fields, found ${r.fields.length}` });
      continue;
    }
    const raw: RawRow = { image: r.fields[col('image')], caption: r.fields[col('caption')] };
    if (col('long_caption') >= 0) raw.long_caption = r.fields[col('long_caption')];
    const it = buildItem(raw, source, countTokens, problems);
    if (it) items.push(it);
  }
  return { items, problems };
}

/** Merge rows that share an image into one item (first row's source kept). */
export function mergeByImage(items: CaptionItem[]): CaptionItem[] {
  const byImage = new Map<string, CaptionItem>();
  for (const it of items) {
    const prev = byImage.get(it.image);
    if (!prev) byImage.set(it.image, { ...it, captions: [...it.captions], longCaptions: [...it.longCaptions] });
    else {
      prev.captions.push(...it.captions);
      prev.longCaptions.push(...it.longCaptions);
    }
  }
  return [...byImage.values()];
}
