// Silent acceptance (issue 16 item 7, data side): a Latin-1 captions file and repeated images
// load with a message naming file and line — never silently.
import { expect, test } from 'vitest';
import { filesData } from './data.ts';

const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47]); // bytes are not decoded here
const imgs = (n: number) => Array.from({ length: n }, (_, i) => ({ path: `set/img${i}.png`, data: png.slice().buffer }));
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0)).buffer;

test('a Latin-1 CSV loads as Windows-1252 with a warning naming the file and line', async () => {
  const csv = 'image,caption\nimg0.png,a red cube\nimg1.png,un café crème\nimg2.png,a blue ball\n';
  const d = await filesData([{ path: 'set/captions.csv', data: latin1(csv) }, ...imgs(3)]);
  expect(d.train.map((e) => e.short)).toEqual(['a red cube', 'un café crème', 'a blue ball']); // é kept, not U+FFFD
  expect(d.problems).toEqual([]);
  expect(d.warnings).toHaveLength(1);
  expect(d.warnings[0]).toMatchObject({ file: 'set/captions.csv', line: 3 });
  expect(d.warnings[0].reason).toMatch(/not valid UTF-8.*Windows-1252/);
});

test('a repeated image: the first row is kept, later rows skipped naming both lines; a val row repeating a train image too', async () => {
  const rows = ['img0.png', 'img1.png', 'img0.png', 'img2.png'].map((im, i) => JSON.stringify({ image: im, caption: `caption ${i}` })).join('\n');
  const val = [JSON.stringify({ image: 'img1.png', caption: 'leak' }), JSON.stringify({ image: 'img3.png', caption: 'fine' })].join('\n');
  const d = await filesData([
    { path: 'set/captions_train.jsonl', data: new TextEncoder().encode(rows).buffer },
    { path: 'set/captions_val.jsonl', data: new TextEncoder().encode(val).buffer },
    ...imgs(4),
  ]);
  expect(d.train.map((e) => e.short)).toEqual(['caption 0', 'caption 1', 'caption 3']);
  expect(d.validation.map((e) => e.short)).toEqual(['fine']);
  expect(d.warnings).toEqual([]);
  expect(d.problems).toHaveLength(2);
  expect(d.problems[0]).toMatchObject({ file: 'set/captions_train.jsonl', line: 3 });
  expect(d.problems[0].reason).toMatch(/image "img0.png" is already the example of set\/captions_train.jsonl:1; this row is skipped/);
  expect(d.problems[1]).toMatchObject({ file: 'set/captions_val.jsonl', line: 1 });
  expect(d.problems[1].reason).toMatch(/already the example of set\/captions_train.jsonl:2.*leaks/);
});
