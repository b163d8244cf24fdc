// Where the benchmark suites get a bundled model folder (public/models/<name>/) from: in the
// Chromium page Vite serves public/ at the root (fetched by HTTP Range); the Node host
// (scripts/node/bench-node.ts) installs a loader that reads the files from disk.
import { folderFromUrl, type ModelFolder } from '../../src/engine/model/io/folder.ts';

type Loader = (name: string) => Promise<ModelFolder>;

let loader: Loader = async (name) => folderFromUrl(new URL(`/models/${name}/`, location.origin).href);

export function setBenchModelLoader(f: Loader): void {
  loader = f;
}

/** e.g. benchModelFolder('tiny-random'). */
export function benchModelFolder(name: string): Promise<ModelFolder> {
  return loader(name);
}
