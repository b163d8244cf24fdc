// Script-facing (Node only — imports node:fs; never import this from browser code):
// write a synthetic dataset to `dir` in the real formats (see files.ts for the layout).
//   npx tsx -e "import('./src/engine/data/synthetic/write_node.ts').then(m => m.writeSyntheticDataset('out/synth'))"
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { syntheticFiles, type SyntheticFileOptions } from './files.ts';

export async function writeSyntheticDataset(dir: string, opts: SyntheticFileOptions = {}): Promise<{ files: number; bytes: number }> {
  const { files } = syntheticFiles(opts);
  let bytes = 0;
  for (const [path, data] of files) {
    const full = join(dir, path);
    await mkdir(dirname(full), { recursive: true });
    await writeFile(full, data);
    bytes += data.length;
  }
  return { files: files.size, bytes };
}
