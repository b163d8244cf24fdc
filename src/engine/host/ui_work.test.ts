// The UI-work requests give what the screens computed on the main thread before (same scene
// bytes, same plan, same ranking), refuse malformed buffers by name, and reach the handler's
// switch without a GPU or a model.
import { describe, expect, test } from 'vitest';
import { syntheticFiles } from '../data/synthetic/files.ts';
import { planSyntheticEval } from '../eval/synthetic_eval.ts';
import { similarity, topK } from '../eval/topk.ts';
import { memoryKeyValueStore } from '../train/checkpoint/index.ts';
import type { Reply } from '../../protocol/messages.ts';
import { memoryFeatureStore } from './feature_cache.ts';
import { EngineHandler } from './handler.ts';
import { evalPlan, evalScore, previewData, rank, syntheticScenes } from './ui_work.ts';

const enc = new TextEncoder();
const bytes = (b: ArrayBuffer) => Array.from(new Uint8Array(b));

/** Deterministic unit rows [rows, dim]. */
function unitRows(rows: number, dim: number, seed: number): Float32Array {
  const out = new Float32Array(rows * dim);
  let s = seed;
  for (let i = 0; i < out.length; i++) out[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  for (let r = 0; r < rows; r++) {
    const row = out.subarray(r * dim, (r + 1) * dim);
    const norm = Math.hypot(...row);
    row.forEach((v, i) => (row[i] = v / norm));
  }
  return out;
}

describe('synthetic-scenes', () => {
  test("'train' renders the scenes load-data {count, seed} trains on, byte for byte, up to limit", () => {
    const { result, transfer } = syntheticScenes({ split: 'train', count: 10, seed: 3, limit: 4 });
    const ref = syntheticFiles({ seed: 3, train: 10, val: 4, test: 0, winoground: 0 });
    expect(result.scenes.map((s) => s.id)).toEqual(ref.dataset.train.slice(0, 4).map((s) => s.id));
    for (const [i, s] of result.scenes.entries()) {
      expect(s.path).toBe(`images/train/${s.id}.png`);
      expect(s.caption).toBe(ref.dataset.train[i].caption);
      expect(bytes(s.png)).toEqual(Array.from(ref.files.get(s.path)!));
    }
    expect(transfer).toHaveLength(4);
  });

  test("'test' is the test split of count scenes; no limit gives all of them", () => {
    const { result } = syntheticScenes({ split: 'test', count: 5, seed: 11 });
    const ref = syntheticFiles({ seed: 11, train: 0, val: 0, test: 5, winoground: 0 });
    expect(result.scenes.map((s) => s.caption)).toEqual(ref.dataset.test.map((s) => s.caption));
    expect(bytes(result.scenes[4].png)).toEqual(Array.from(ref.files.get(`images/test/${ref.dataset.test[4].id}.png`)!));
  });

  test('a count that is not a positive integer is refused by name', () => {
    expect(() => syntheticScenes({ split: 'test', count: 0, seed: 1 })).toThrow(/synthetic-scenes: count must be an integer ≥ 1, got 0/);
  });
});

describe('preview-data', () => {
  const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]).buffer;
  test('the dataset file is parsed, images matched under a dropped folder, missing ones named', async () => {
    const files = [
      { path: 'mydata/images/b.png', data: png },
      { path: 'mydata/captions.jsonl', data: new Blob([enc.encode('{"image":"images/a.png","caption":"a red circle"}\n{"image":"images/b.png","caption":"a blue square"}\n{"image":"images/c.png","caption":"gone"}\n')]) },
      { path: 'mydata/images/a.png', data: png },
    ];
    const { result } = await previewData({ files, limit: 24 });
    expect(result.dataset).toBe('mydata/captions.jsonl');
    expect(result.tiles).toEqual([
      { index: 2, path: 'mydata/images/a.png', caption: 'a red circle' },
      { index: 0, path: 'mydata/images/b.png', caption: 'a blue square' },
    ]);
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ file: 'mydata/captions.jsonl', line: 3 });
    expect(result.problems[0].reason).toMatch(/images\/c\.png/);
  });

  test('no dataset file: the images alone, without captions, up to limit', async () => {
    const files = [{ path: 'x/notes.txt', data: png }, { path: 'x/1.png', data: png }, { path: 'x/2.jpg', data: png }, { path: 'x/3.png', data: png }];
    const { result } = await previewData({ files, limit: 2 });
    expect(result).toEqual({ dataset: null, tiles: [{ index: 1, path: 'x/1.png', caption: null }, { index: 2, path: 'x/2.jpg', caption: null }], problems: [], warnings: [] });
  });

  test('a Windows-1252 caption file is read as such, with the warning load-data gives', async () => {
    const latin = new Uint8Array([...enc.encode('image,caption\na.png,caf'), 0xe9, 0x0a]);
    const { result } = await previewData({ files: [{ path: 'c.csv', data: latin.buffer }, { path: 'a.png', data: png }] });
    expect(result.tiles).toEqual([{ index: 1, path: 'a.png', caption: 'café' }]);
    expect(result.warnings).toEqual([expect.objectContaining({ file: 'c.csv', line: 2 })]);
  });
});

describe('eval-plan / eval-score', () => {
  test('the plan is planSyntheticEval as data, PNG bytes in image order', () => {
    const { result } = evalPlan({ count: 8, seed: 7 });
    const ref = planSyntheticEval(8, 7);
    expect({ ...result, pngs: undefined }).toEqual({ images: ref.images, texts: ref.texts, n: ref.n, probes: ref.probes, wino: ref.wino, pngs: undefined });
    expect(result.pngs.map(bytes)).toEqual(ref.images.map((p) => Array.from(ref.files.get(p)!)));
  });

  test('the score equals the plan’s own score on the same tables; short tables are refused', () => {
    const ref = planSyntheticEval(8, 7);
    const dim = 6;
    const T = unitRows(ref.texts.length, dim, 1);
    const I = unitRows(ref.images.length, dim, 2);
    const items = { n: ref.n, probes: ref.probes, wino: ref.wino };
    expect(evalScore({ items, texts: T.slice().buffer, images: I.slice().buffer, dim }).result).toEqual(ref.score(T, I, dim));
    expect(() => evalScore({ items, texts: T.slice(0, dim * ref.n).buffer, images: I.slice().buffer, dim }))
      .toThrow(new RegExp(`eval-score: the plan needs ${ref.texts.length} text and ${ref.images.length} image rows, got ${ref.n} and ${ref.images.length}`));
    expect(() => evalScore({ items, texts: new ArrayBuffer(10), images: I.slice().buffer, dim })).toThrow(/eval-score: texts: expected a whole number of 6-float32 rows, got 10 bytes/);
  });
});

describe('rank', () => {
  test('top-k of one query equals topK(similarity) on the main-thread path, ties to the lower index', () => {
    const dim = 5, n = 9;
    const g = unitRows(n, dim, 3);
    g.copyWithin(7 * dim, 2 * dim, 3 * dim); // row 7 = row 2: a tie
    const q = g.slice(2 * dim, 3 * dim);
    const ref = topK(similarity(q, g, 1, n, dim), 1, n, 4);
    const { result } = rank({ query: q.slice().buffer, gallery: g.slice().buffer, n, dim, k: 4 });
    expect(result).toEqual({ indices: Array.from(ref.indices), scores: Array.from(ref.scores) });
    expect(result.indices.slice(0, 2)).toEqual([2, 7]);
  });

  test('k beyond the gallery pads with -1; a gallery of the wrong size is refused', () => {
    const g = unitRows(2, 3, 4);
    expect(rank({ query: g.slice(0, 3).buffer, gallery: g.slice().buffer, n: 2, dim: 3, k: 3 }).result.indices).toEqual([0, 1, -1]);
    expect(() => rank({ query: g.slice(0, 3).buffer, gallery: g.slice().buffer, n: 3, dim: 3, k: 1 })).toThrow(/rank: gallery: expected 3×3 float32 values \(36 bytes\), got 24 bytes/);
  });
});

test('the handler answers UI work with no model loaded and no GPU', async () => {
  const replies: Reply[] = [];
  const h = new EngineHandler((m) => void ('id' in m && replies.push(m)), { checkpointStore: memoryKeyValueStore(), featureStore: memoryFeatureStore() });
  const g = new Float32Array([1, 0, 0, 1]);
  await h.handle({ id: 1, type: 'rank', args: { query: g.slice(2).buffer, gallery: g.slice().buffer, n: 2, dim: 2, k: 1 } });
  await h.handle({ id: 2, type: 'rank', args: { query: new ArrayBuffer(4), gallery: g.slice().buffer, n: 2, dim: 2, k: 1 } });
  expect(replies[0]).toEqual({ id: 1, type: 'result', result: { indices: [1], scores: [1] } });
  expect(replies[1]).toMatchObject({ id: 2, type: 'error', error: { name: 'RangeError', message: expect.stringMatching(/^rank: query: expected 1×2/) } });
});
