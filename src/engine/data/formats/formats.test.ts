import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { DatasetError, formatProblem } from '../errors.ts';
import { resolveImages } from '../resolve.ts';
import { mergeByImage, parseCaptionsCsv, parseCaptionsJsonl } from './captions.ts';
import { parseCocoCaptions } from './coco.ts';
import { parseCsv } from './csv.ts';
import { parseDatasetFile } from './index.ts';
import { categoryFromFileName, parseSugarCrepe, parseTriplets } from './sugarcrepe.ts';
import { parseWinoground } from './winoground.ts';

const FIX = new URL('../../../../e2e/fixtures/data/', import.meta.url);
const fixture = (name: string) => readFileSync(new URL(name, FIX), 'utf8');
const messages = (ps: Parameters<typeof formatProblem>[0][]) => ps.map(formatProblem);

describe('csv tokenizer (RFC 4180)', () => {
  test('quotes, doubled quotes, embedded comma/newline, CRLF, start lines', () => {
    const recs = parseCsv('a,b\r\n"x, y","he said ""hi"""\r\n"multi\nline",z\nlast,\n');
    expect(recs.map((r) => r.fields)).toEqual([['a', 'b'], ['x, y', 'he said "hi"'], ['multi\nline', 'z'], ['last', '']]);
    expect(recs.map((r) => r.line)).toEqual([1, 2, 3, 5]);
  });
  test('malformed records carry an error instead of throwing', () => {
    const recs = parseCsv('a,b"c\n"open,never closed\n');
    expect(recs[0].error).toMatch(/stray quote/);
    expect(recs[1].error).toMatch(/unterminated quoted field starting on line 2/);
  });
});

describe('captions.jsonl', () => {
  const { items, problems } = parseCaptionsJsonl(fixture('captions.jsonl'), 'captions.jsonl');
  test('good rows parsed, short/long placed by length', () => {
    expect(items.map((i) => i.image)).toEqual([
      'images/red_cube.png',
      'images/blue_ball.png',
      'images/green_triangle.png',
      'images/missing.png',
      'images/corrupt.png',
    ]);
    expect(items[0].captions).toEqual(['a red cube on a grey floor']);
    expect(items[1].captions).toEqual(['a blue ball']);
    expect(items[1].longCaptions).toHaveLength(1);
    // Only one caption field, 30+ tokens → long.
    expect(items[2].captions).toEqual([]);
    expect(items[2].longCaptions[0]).toMatch(/^The picture shows/);
    expect(items[0].source).toEqual({ file: 'captions.jsonl', line: 1 });
  });
  test('every skipped row is reported with its line', () => {
    const m = messages(problems);
    expect(m).toHaveLength(5);
    expect(m[0]).toMatch(/^captions\.jsonl:3: invalid JSON/);
    expect(m[1]).toBe('captions.jsonl:4: missing or empty "image"');
    expect(m[2]).toBe('captions.jsonl:5: no caption: both "caption" and "long_caption" are empty');
    expect(m[3]).toBe('captions.jsonl:6: caption has 501 tokens (> 500); rejected');
    expect(m[4]).toBe('captions.jsonl:9: row is not a JSON object');
  });
  test('token counter is injectable', () => {
    const r = parseCaptionsJsonl('{"image":"a.png","caption":"ab cd"}', 'x.jsonl', { countTokens: () => 40 });
    expect(r.items[0].longCaptions).toEqual(['ab cd']);
  });
  test('an empty file is unusable', () => {
    expect(() => parseCaptionsJsonl('\n\n', 'empty.jsonl')).toThrow(DatasetError);
    expect(() => parseCaptionsJsonl('', 'empty.jsonl')).toThrow('empty.jsonl: file is empty');
  });
});

describe('captions.csv', () => {
  const { items, problems } = parseCaptionsCsv(fixture('captions.csv'), 'captions.csv');
  test('RFC 4180 quoting in real rows', () => {
    expect(items.map((i) => i.captions)).toEqual([['a red cube, alone'], ['a "blue" ball'], ['a green triangle pointing up']]);
    expect(items[1].longCaptions[0]).toContain('grey floor,\nwith nothing');
    expect(items[2].source.line).toBe(9);
  });
  test('problems name line and reason', () => {
    expect(messages(problems)).toEqual([
      'captions.csv:5: expected 3 fields, found 2',
      'captions.csv:6: malformed CSV: stray quote inside unquoted field 2',
      "captions.csv:7: malformed CSV: unexpected character ' ' after closing quote (field 2)",
      'captions.csv:8: missing or empty "image"',
    ]);
  });
  test('a header without image/caption makes the file unusable', () => {
    expect(() => parseCaptionsCsv('path,text\na,b\n', 'bad.csv')).toThrow(/bad\.csv: header must name columns image,caption/);
  });
  test('mergeByImage groups rows per image', () => {
    const merged = mergeByImage(parseCaptionsJsonl(fixture('captions.jsonl'), 'c.jsonl').items);
    expect(merged.map((m) => m.image)).toHaveLength(5);
  });
});

describe('COCO captions', () => {
  const { items, problems } = parseCocoCaptions(fixture('coco_captions.json'), 'coco_captions.json', { imageDir: 'images' });
  test('multiple captions per image, imageDir prefix', () => {
    expect(items.map((i) => [i.image, i.captions.length])).toEqual([
      ['images/red_cube.png', 2],
      ['images/blue_ball.png', 3],
    ]);
  });
  test('problems carry JSON paths', () => {
    expect(messages(problems)).toEqual([
      'coco_captions.json at images[3].id: duplicate image id 2; entry skipped',
      'coco_captions.json at images[4].file_name: image id 4 has no "file_name"',
      'coco_captions.json at annotations[5].image_id: unknown image_id 99',
      'coco_captions.json at annotations[6].caption: missing or empty caption',
      'coco_captions.json at annotations[7].caption: missing or empty caption',
      'coco_captions.json at images[2]: image images/green_triangle.png has no usable caption; skipped',
    ]);
  });
  test('wrong top level / bad JSON are file errors with the file name', () => {
    expect(() => parseCocoCaptions('{"images": []}', 'c.json')).toThrow('c.json: "annotations" is missing or not an array');
    expect(() => parseCocoCaptions('{"images": [}', 'c.json')).toThrow(/c\.json: invalid JSON at line 1, column 13/);
  });
});

describe('SugarCrepe and SugarCrepe++', () => {
  test('category from file name', () => {
    expect(categoryFromFileName('data/swap_att.json')).toBe('swap-att');
    expect(categoryFromFileName('replace-rel.json')).toBe('replace-rel');
    expect(categoryFromFileName('swap_rel.json')).toBeUndefined();
    expect(() => parseSugarCrepe('{}', 'whatever.json')).toThrow(/whatever\.json: cannot tell the SugarCrepe category/);
  });
  test('items keyed by index, bad items reported', () => {
    const { items, problems } = parseSugarCrepe(fixture('replace_att.json'), 'replace_att.json');
    expect(items.map((i) => [i.id, i.category, i.caption, i.negative])).toEqual([
      ['0', 'replace-att', 'a red cube', 'a green cube'],
      ['1', 'replace-att', 'a blue ball', 'a yellow ball'],
    ]);
    expect(messages(problems)).toEqual([
      'replace_att.json at ["2"].negative_caption: missing or empty "negative_caption"',
      'replace_att.json at ["5"]: negative_caption is identical to caption',
      'replace_att.json at ["7"]: item is not an object',
    ]);
  });
  test('triplets: two positives and a negative', () => {
    const { items, problems } = parseTriplets(fixture('sugarcrepe_pp_swap_att.json'), 'sugarcrepe_pp_swap_att.json');
    expect(items).toHaveLength(1);
    expect(items[0].category).toBe('swap-att');
    expect(items[0].positives[1]).toBe('a blue ball is to the right of a red cube');
    expect(messages(problems)).toEqual([
      'sugarcrepe_pp_swap_att.json at [1]: negative_caption is identical to a positive caption',
      'sugarcrepe_pp_swap_att.json at [2].caption2: missing or empty "caption2"',
    ]);
  });
});

describe('Winoground', () => {
  const ds = parseDatasetFile('winoground.jsonl', fixture('winoground.jsonl'), { imageExtension: undefined });
  test('jsonl rows with image_i/caption_i', () => {
    expect(ds.kind).toBe('winoground');
    const { items, problems } = parseWinoground(fixture('winoground.jsonl'), 'winoground.jsonl', { imageExtension: 'png' });
    expect(items.map((i) => i.images)).toEqual([
      ['red_cube.png', 'blue_ball.png'],
      ['red_cube.png', 'nowhere.png'],
    ]);
    expect(messages(problems)).toEqual([
      expect.stringMatching(/^winoground\.jsonl:3: invalid JSON/),
      'winoground.jsonl:2: image_0 and image_1 are the same image',
    ]);
  });
  test('a repeated id keeps the first row and names it', () => {
    const row = (id: number, a: string) => JSON.stringify({ id, image_0: a, image_1: `${a}_b`, caption_0: 'a cat on a mat', caption_1: 'a mat on a cat' });
    const { items, problems } = parseWinoground([row(0, 'x'), row(1, 'y'), row(0, 'z')].join('\n'), 'w.jsonl');
    expect(items.map((i) => i.images[0])).toEqual(['x', 'y']);
    expect(messages(problems)).toEqual(['w.jsonl:3: id "0" repeats line 1; the first is kept, this row is skipped']);
  });
  test('resolveImages matches extension-less names and reports missing images per row', () => {
    const files = ['fixtures/data/images/red_cube.png', 'fixtures/data/images/blue_ball.png'].map((path) => ({ path }));
    const r = resolveImages(ds, files);
    expect(r.usable).toEqual([0]);
    expect(r.images.get('red_cube')?.path).toBe('fixtures/data/images/red_cube.png');
    expect(messages(r.problems)).toEqual(['winoground.jsonl:4: image "nowhere" not found among 2 provided files']);
  });
});

describe('parseDatasetFile + resolveImages', () => {
  test('format detection', () => {
    expect(parseDatasetFile('coco_captions.json', fixture('coco_captions.json')).kind).toBe('captions');
    expect(parseDatasetFile('replace_att.json', fixture('replace_att.json')).kind).toBe('sugarcrepe');
    expect(parseDatasetFile('sugarcrepe_pp_swap_att.json', fixture('sugarcrepe_pp_swap_att.json')).kind).toBe('triplets');
    expect(parseDatasetFile('captions.csv', fixture('captions.csv')).kind).toBe('captions');
    expect(() => parseDatasetFile('x.txt', 'hello')).toThrow('x.txt: unsupported file type');
    expect(() => parseDatasetFile('x.json', '{"a": 1}')).toThrow(/x\.json: unrecognised JSON layout/);
  });
  test('suffix match with an extra top folder; missing and ambiguous images reported', () => {
    const ds = parseDatasetFile('captions.jsonl', fixture('captions.jsonl'));
    const files = [
      { path: 'drop/images/red_cube.png' },
      { path: 'drop/images/blue_ball.png' },
      { path: 'a/green_triangle.png' },
      { path: 'b/green_triangle.png' },
      { path: 'drop/images/corrupt.png' },
    ];
    const r = resolveImages(ds, files);
    expect(r.usable).toEqual([0, 1, 4]);
    expect(messages(r.problems)).toEqual([
      'captions.jsonl:7: image "images/green_triangle.png" is ambiguous: 2 files match by file name',
      'captions.jsonl:10: image "images/missing.png" not found among 5 provided files',
    ]);
  });
});

test('JSON syntax errors are located by line and column', () => {
  expect(() => parseSugarCrepe('{\n  "0": {"filename": "a.png",\n    "caption" "x"}\n}', 'swap_obj.json')).toThrow(
    /swap_obj\.json: invalid JSON at line 3, column 15/,
  );
});
