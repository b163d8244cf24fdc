/**
 * ModelFolder: a Hugging Face model folder as a map from relative path to ByteSource.
 *
 * Public API:
 *   interface ModelFolder { name; open(path); exists(path); readText(path); readJson(path); list() }
 *   folderFromUrl(baseUrl, opts?)   — e.g. `https://huggingface.co/<repo>/resolve/main/` or
 *                                     `/models/tiny-random/`; files are fetched lazily by Range.
 *   folderFromFiles(files)          — dropped / picked `File`s; uses `webkitRelativePath` with
 *                                     its first segment (the dropped folder's own name) removed.
 *   folderFromMap(name, map)        — in-memory `{ path: Uint8Array }` (tests, generated models).
 *   folderFromSources(name, map)    — any ByteSources by path (the Hub cache's OPFS files).
 *   type LoadProgress = (loaded, total, file) => void   — bytes.
 * Traps: a URL folder cannot list its files (`list()` returns null); `exists` then asks the
 * server with a one-byte Range request. Paths use `/`, never a leading `./` or `/`.
 */
import { MissingFileError } from './errors.ts';
import { blobSource, bytesSource, httpSource, type ByteSource, type HttpSourceOptions } from './sources.ts';

export type LoadProgress = (loaded: number, total: number, file: string) => void;

export interface ModelFolder {
  readonly name: string;
  /** A lazy source; for absent files throws MissingFileError now (map) or on first read (URL). */
  open(path: string): ByteSource;
  exists(path: string): Promise<boolean>;
  readText(path: string, onProgress?: LoadProgress): Promise<string>;
  readJson<T = unknown>(path: string, onProgress?: LoadProgress): Promise<T>;
  /** Relative paths when known (file and map folders), else null. */
  list(): string[] | null;
}

function normalise(path: string): string {
  return path.replace(/\\/g, '/').replace(/^\.?\/+/, '');
}

abstract class BaseFolder implements ModelFolder {
  constructor(readonly name: string) {}
  abstract open(path: string): ByteSource;
  abstract exists(path: string): Promise<boolean>;
  abstract list(): string[] | null;

  async readText(path: string, onProgress?: LoadProgress): Promise<string> {
    const src = this.open(path);
    const n = await src.size();
    const bytes = await src.read(0, n);
    onProgress?.(n, n, src.name);
    return new TextDecoder().decode(bytes);
  }

  async readJson<T = unknown>(path: string, onProgress?: LoadProgress): Promise<T> {
    const text = await this.readText(path, onProgress);
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new SyntaxError(`${normalise(path)} in ${this.name}: invalid JSON: ${(e as Error).message}`);
    }
  }
}

class MapFolder extends BaseFolder {
  constructor(name: string, private readonly sources: Map<string, ByteSource>) {
    super(name);
  }
  open(path: string): ByteSource {
    const p = normalise(path);
    const s = this.sources.get(p);
    if (!s) throw new MissingFileError(p, this.name);
    return s;
  }
  async exists(path: string): Promise<boolean> {
    return this.sources.has(normalise(path));
  }
  list(): string[] {
    return [...this.sources.keys()].sort();
  }
}

class UrlFolder extends BaseFolder {
  private readonly cache = new Map<string, ByteSource>();
  constructor(private readonly base: string, private readonly opts: HttpSourceOptions) {
    super(base);
  }
  open(path: string): ByteSource {
    const p = normalise(path);
    let s = this.cache.get(p);
    if (!s) {
      const url = this.base + p.split('/').map(encodeURIComponent).join('/');
      s = httpSource(p, url, this.opts);
      this.cache.set(p, s);
    }
    return s;
  }
  async exists(path: string): Promise<boolean> {
    try {
      await this.open(path).size();
      return true;
    } catch (e) {
      if (e instanceof MissingFileError) return false;
      throw e;
    }
  }
  list(): null {
    return null;
  }
}

export function folderFromUrl(baseUrl: string, opts: HttpSourceOptions = {}): ModelFolder {
  return new UrlFolder(baseUrl.endsWith('/') ? baseUrl : baseUrl + '/', opts);
}

export function folderFromMap(name: string, files: Record<string, Uint8Array> | Map<string, Uint8Array>): ModelFolder {
  const entries = files instanceof Map ? [...files] : Object.entries(files);
  return new MapFolder(name, new Map(entries.map(([k, v]) => [normalise(k), bytesSource(normalise(k), v)])));
}

export function folderFromSources(name: string, sources: Map<string, ByteSource>): ModelFolder {
  return new MapFolder(name, new Map([...sources].map(([k, v]) => [normalise(k), v])));
}

/**
 * Files from a drop or `<input type=file webkitdirectory>`. With `webkitRelativePath`
 * ("SmolVLM-256M/onnx/vision_encoder.onnx") the leading folder name is stripped so paths are
 * relative to the model folder; plain files (no relative path) keep their bare name.
 */
export function folderFromFiles(files: Iterable<File>, name?: string): ModelFolder {
  const map = new Map<string, ByteSource>();
  let root = name ?? 'dropped files';
  for (const f of files) {
    const rel = (f as File & { webkitRelativePath?: string }).webkitRelativePath;
    let path = f.name;
    if (rel) {
      const parts = normalise(rel).split('/');
      if (parts.length > 1) {
        if (!name) root = parts[0];
        path = parts.slice(1).join('/');
      }
    }
    map.set(normalise(path), blobSource(normalise(path), f));
  }
  return new MapFolder(root, map);
}
