// Each script dev server gets a pre-bundle cache no other server writes (scripts/vite-cache.ts):
// two at once — the CI unit project runs two files in parallel — must not share node_modules/.vite.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { expect, test } from 'vitest';
import { REPO_ROOT } from './headless-page.ts';
import { OWN_CACHE_ROOT, ownViteCacheDir } from './vite-cache.ts';

test('two servers of one process, or of two tools, never share a cache directory; none is the default .vite', async () => {
  const a = ownViteCacheDir('evidence', REPO_ROOT), b = ownViteCacheDir('evidence', REPO_ROOT), c = ownViteCacheDir('cli', REPO_ROOT);
  expect(new Set([a.dir, b.dir, c.dir]).size).toBe(3);
  for (const x of [a, b, c]) {
    const rel = relative(REPO_ROOT, x.dir);
    expect(rel.startsWith(OWN_CACHE_ROOT + sep)).toBe(true); // inside the repo: Vite serves it without fs.allow
    expect(rel.split(sep)).not.toContain('.vite');
  }
  expect(a.dir).toContain(`evidence-${process.pid}-`);
  // remove() deletes what Vite wrote there, and only that directory.
  mkdirSync(join(a.dir, 'deps'), { recursive: true });
  mkdirSync(join(b.dir, 'deps'), { recursive: true });
  writeFileSync(join(a.dir, 'deps', '_metadata.json'), '{}');
  await a.remove();
  expect(existsSync(a.dir)).toBe(false);
  expect(existsSync(join(b.dir, 'deps'))).toBe(true);
  await b.remove();
  await c.remove(); // never created: no error
});

test('a tool name that is not a plain directory name is refused', () => {
  expect(() => ownViteCacheDir('../evil', REPO_ROOT)).toThrow(/lowercase letters/);
});
