// Node only. Writes the data fixtures under e2e/fixtures/data/ that are generated rather
// than hand-written: three single-object PNGs, a corrupt PNG, and a small synthetic dataset.
//   npx tsx -e "import('./src/engine/data/synthetic/fixtures_node.ts').then(m => m.writeDataFixtures('e2e/fixtures/data'))"
// synthetic.fixtures.test.ts regenerates them in memory and checks the files on disk match.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syntheticFiles } from './files.ts';
import { encodePng } from './png.ts';
import { renderScene } from './raster.ts';
import type { SceneObject } from './scene.ts';

const one = (o: Pick<SceneObject, 'shape' | 'colour'>) =>
  encodePng(renderScene({ objects: [{ ...o, size: 'large', col: 1, row: 1, jx: 0, jy: 0 }] }, 32, 32), 32, 32);

/** Relative path → bytes of every generated fixture. */
export function dataFixtureFiles(): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  files.set('images/red_cube.png', one({ shape: 'cube', colour: 'red' }));
  files.set('images/blue_ball.png', one({ shape: 'ball', colour: 'blue' }));
  files.set('images/green_triangle.png', one({ shape: 'triangle', colour: 'green' }));
  // Corrupt: a valid PNG signature and IHDR start, then the file is cut off mid-chunk.
  files.set('images/corrupt.png', one({ shape: 'ball', colour: 'red' }).slice(0, 40));
  const { files: synth } = syntheticFiles({ seed: 2025, train: 16, val: 4, test: 8, winoground: 4, width: 32, height: 32 });
  for (const [p, b] of synth) files.set(`synthetic/${p}`, b);
  return files;
}

export async function writeDataFixtures(root: string): Promise<number> {
  const files = dataFixtureFiles();
  for (const [p, b] of files) {
    await mkdir(dirname(join(root, p)), { recursive: true });
    await writeFile(join(root, p), b);
  }
  return files.size;
}
