import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { dataFixtureFiles } from './fixtures_node.ts';

// The generated fixtures in e2e/fixtures/data are reproducible from the generator.
test('generated fixtures on disk match the generator byte for byte', () => {
  const root = new URL('../../../../e2e/fixtures/data/', import.meta.url);
  const files = dataFixtureFiles();
  expect(files.size).toBeGreaterThan(40);
  // Buffer.equals: a byte compare, far faster than a deep toEqual over 36 images.
  const differing = [...files].filter(([p, bytes]) => !readFileSync(new URL(p, root)).equals(bytes)).map(([p]) => p);
  expect(differing).toEqual([]);
});
