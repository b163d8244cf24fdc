import { expect, test } from 'vitest';
import { decodeDatasetText } from './text.ts';

const enc = (s: string) => new TextEncoder().encode(s);
/** Latin-1 bytes of a string whose characters are all < 256. */
const latin1 = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));

test('UTF-8 (with or without BOM) decodes with no warning', () => {
  expect(decodeDatasetText(enc('{"caption": "café"}\n'), 'c.jsonl')).toEqual({ text: '{"caption": "café"}\n', warnings: [] });
  expect(decodeDatasetText(Uint8Array.of(0xef, 0xbb, 0xbf, ...enc('a,b')), 'c.csv').text).toBe('a,b');
});

test('a Latin-1 file is read as Windows-1252 with a warning naming file and first bad line', () => {
  const bytes = latin1('image,caption\na.png,a red cube\nb.png,un café crème\nc.png,naïve\n');
  const r = decodeDatasetText(bytes, 'data/captions.csv');
  expect(r.text).toBe('image,caption\na.png,a red cube\nb.png,un café crème\nc.png,naïve\n');
  expect(r.warnings).toHaveLength(1);
  expect(r.warnings[0]).toMatchObject({ file: 'data/captions.csv', line: 3 });
  expect(r.warnings[0].reason).toMatch(/not valid UTF-8 \(byte 0xE9\).*Latin-1/);
});
