/**
 * The persistent model-file cache, in the origin private file system (OPFS).
 *
 * Why OPFS and not the Cache API: a resumable download must append to what is stored. OPFS
 * writes at an offset (a sync access handle in the engine's Worker: bytes land as they arrive,
 * so even a killed tab keeps them), and `getFile().slice()` reads a byte range lazily, so a
 * 500 MB checkpoint is never held in memory. The Cache API stores whole Responses: a partial
 * download could not be kept and continued, only restarted.
 *
 * Layout: <root>/<enc(owner/repo@revision)>/meta.json   ModelMeta (below)
 *                                          /f/<enc(path)> one file per repo path, flat
 * (enc = encodeURIComponent.) A file counts as complete only when meta.json says so AND its
 * stored size equals the recorded size: a cancelled or killed download leaves a partial that
 * is never read as a model file, only resumed. meta.json is replaced atomically
 * (createWritable commits on close).
 *
 * Public API: class HubCache { open(), meta, writeMeta, storedBytes, sink, file, list, delete }
 *             interface Sink { write(bytes), close() }
 */
import type { CachedModel } from '../../../../protocol/hub.ts';
import { modelKey } from './url.ts';

export interface FileMeta {
  size: number;
  etag: string | null;
  complete: boolean;
}

export interface ModelMeta {
  format: 'discern-hub-cache';
  version: 1;
  repo: string;
  revision: string;
  /** Base URL it was downloaded from. */
  url: string;
  commit: string | null;
  /** Every file the model needs (repo paths), stored or not yet. */
  files: Record<string, FileMeta>;
  /** Candidates the server answered 404 for (so an offline load knows they do not exist). */
  absent: string[];
  /** Every file in `files` complete: later loads need no request. */
  complete: boolean;
  storedAt: number;
}

/** Writes at increasing offsets; close() keeps what was written (also after a failure). */
export interface Sink {
  write(bytes: Uint8Array): Promise<void>;
  close(): Promise<void>;
}

/** Chromium's sync access handle (DedicatedWorker only); typed here to avoid lib gaps. */
interface SyncHandle {
  write(b: Uint8Array, o: { at: number }): number;
  truncate(n: number): void;
  flush(): void;
  close(): void;
}

const enc = encodeURIComponent;
const META = 'meta.json';
const FLUSH_EVERY = 4 << 20; // bytes between flushes of a sync handle

function isNotFound(e: unknown): boolean {
  return e instanceof DOMException && (e.name === 'NotFoundError' || e.name === 'TypeMismatchError');
}

export class HubCache {
  constructor(private readonly root: FileSystemDirectoryHandle) {}

  /** The cache under navigator.storage's OPFS root; null where there is none (Node, old browsers). */
  static async open(dirName = 'discern-hub'): Promise<HubCache | null> {
    const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
    if (!storage?.getDirectory) return null;
    try {
      return new HubCache(await (await storage.getDirectory()).getDirectoryHandle(dirName, { create: true }));
    } catch {
      return null; // e.g. storage blocked for this origin
    }
  }

  private async dir(key: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
    try {
      return await this.root.getDirectoryHandle(enc(key), { create });
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  private async filesDir(key: string, create: boolean): Promise<FileSystemDirectoryHandle | null> {
    const d = await this.dir(key, create);
    try {
      return d ? await d.getDirectoryHandle('f', { create }) : null;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async meta(key: string): Promise<ModelMeta | null> {
    const d = await this.dir(key, false);
    if (!d) return null;
    try {
      const m = JSON.parse(await (await (await d.getFileHandle(META)).getFile()).text()) as ModelMeta;
      return m.format === 'discern-hub-cache' && m.version === 1 ? m : null;
    } catch {
      return null; // absent or unreadable: treated as nothing stored (files are re-checked)
    }
  }

  async writeMeta(m: ModelMeta): Promise<void> {
    const d = (await this.dir(modelKey(m.repo, m.revision), true))!;
    const w = await (await d.getFileHandle(META, { create: true })).createWritable();
    await w.write(JSON.stringify({ ...m, storedAt: Date.now() }));
    await w.close();
  }

  /** Bytes stored for a file (partial or complete); 0 when none. */
  async storedBytes(key: string, path: string): Promise<number> {
    try {
      return (await this.file(key, path))?.size ?? 0;
    } catch {
      return 0;
    }
  }

  async file(key: string, path: string): Promise<File | null> {
    const d = await this.filesDir(key, false);
    if (!d) return null;
    try {
      return await (await d.getFileHandle(enc(path))).getFile();
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  /** A sink writing the file from `offset` on (what lies past it is cut off first). */
  async sink(key: string, path: string, offset: number): Promise<Sink> {
    const fh = await (await this.filesDir(key, true))!.getFileHandle(enc(path), { create: true });
    const sync = (fh as { createSyncAccessHandle?: () => Promise<SyncHandle> }).createSyncAccessHandle;
    if (typeof sync === 'function' && typeof (globalThis as { document?: unknown }).document === 'undefined') {
      // Worker: write in place; flushed bytes survive a killed tab (resume from the file size).
      const h = await sync.call(fh);
      h.truncate(offset);
      let at = offset;
      let unflushed = 0;
      return {
        async write(b) {
          at += h.write(b, { at });
          unflushed += b.byteLength;
          if (unflushed >= FLUSH_EVERY) (h.flush(), (unflushed = 0));
        },
        async close() {
          h.flush();
          h.close();
        },
      };
    }
    // Window (tests, a page without the worker): a writable commits on close() — a killed
    // tab loses this attempt's bytes, a failed or cancelled one keeps them (close, not abort).
    const w = await fh.createWritable({ keepExistingData: true });
    await w.truncate(offset);
    await w.seek(offset);
    return { write: (b) => w.write(b as Uint8Array<ArrayBuffer>), close: () => w.close() };
  }

  async list(): Promise<CachedModel[]> {
    const out: CachedModel[] = [];
    for await (const [name, h] of (this.root as unknown as AsyncIterable<[string, FileSystemHandle]>)) {
      if (h.kind !== 'directory') continue;
      const key = decodeURIComponent(name);
      const m = await this.meta(key);
      const files: CachedModel['files'] = [];
      let bytes = 0;
      for (const [path, f] of Object.entries(m?.files ?? {})) {
        const stored = await this.storedBytes(key, path);
        bytes += stored;
        files.push({ path, bytes: stored, size: f.size, complete: f.complete && stored === f.size });
      }
      const [repo, revision] = m ? [m.repo, m.revision] : [key, ''];
      out.push({
        key, repo, revision, url: m?.url ?? '', commit: m?.commit ?? null, files, bytes,
        complete: !!m?.complete && files.every((f) => f.complete), storedAt: m?.storedAt ?? 0,
      });
    }
    return out.sort((a, b) => a.key.localeCompare(b.key));
  }

  /** Deletes one model (all without key); returns the entries and bytes removed. */
  async delete(key?: string): Promise<{ removed: number; bytes: number }> {
    const all = await this.list();
    let removed = 0;
    let bytes = 0;
    for (const m of all.filter((x) => key === undefined || x.key === key)) {
      await this.root.removeEntry(enc(m.key), { recursive: true });
      removed++;
      bytes += m.bytes;
    }
    return { removed, bytes };
  }
}
