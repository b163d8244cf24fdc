// A model folder from a directory on disk (Node host): every file read into memory and served
// through folderFromMap — the bundled models are < 1 MiB, and this keeps the loader the same
// code path (ModelFolder) the browser uses.
import { readdir, readFile } from 'node:fs/promises';
import { basename, join, relative } from 'node:path';
import { folderFromMap, type ModelFolder } from '../../src/engine/model/io/folder.ts';

export async function folderFromDir(dir: string): Promise<ModelFolder> {
  const files = new Map<string, Uint8Array>();
  let entries;
  try {
    entries = await readdir(dir, { recursive: true, withFileTypes: true });
  } catch (e) {
    throw new Error(`model folder ${dir}: cannot be read (${(e as Error).message})`);
  }
  for (const e of entries) {
    if (!e.isFile()) continue;
    const full = join(e.parentPath ?? (e as unknown as { path: string }).path, e.name);
    files.set(relative(dir, full).split('\\').join('/'), new Uint8Array(await readFile(full)));
  }
  return folderFromMap(basename(dir), files);
}
