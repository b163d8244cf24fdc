/**
 * A Hub model folder through the persistent cache: downloaded once, file by file, then read
 * from OPFS (every later load, also offline, makes no request at all).
 *
 *   openHubFolder(ref, { cache, fetch?, signal?, onProgress?, estimate?, now? }) → ModelFolder
 *
 * Steps: 1. meta.json says complete and every file has its size → the cached folder, no network.
 * 2. Check: a 1-byte Range probe per file the loader can read (MODEL_FILES; shards from the
 *    index) gives sizes and ETags. 3. Quota: navigator.storage.estimate() must leave room for
 *    the bytes still missing — else StorageQuotaError before anything is written. 4. Download
 *    the missing files one by one, resuming a partial whose size and ETag still match (Range
 *    from its stored length); each file is marked complete in meta.json only once all its bytes
 *    are stored. 5. The folder reads OPFS Files by slices (the loader's Range reads, locally).
 * Cancel (signal) → DownloadCancelledError; the partial stays for the next load.
 * Trap: the folder can only hold the files listed here; a loader reading a new file must add
 * it to MODEL_FILES, or a cached model would not have it (exists() would say false).
 */
import type { DownloadEvent, DownloadFile } from '../../../../protocol/hub.ts';
import { DownloadCancelledError, HttpSourceError, MissingFileError, StorageQuotaError } from '../errors.ts';
import { folderFromSources, type ModelFolder } from '../folder.ts';
import { INDEX_FILE, SINGLE_FILE } from '../safetensors.ts';
import { blobSource, type ByteSource } from '../sources.ts';
import type { HubCache, ModelMeta } from './cache.ts';
import { downloadFile, probeFile, type Probe } from './fetch_file.ts';
import { RateMeter } from './rate.ts';
import { modelKey, type HubRef } from './url.ts';

/** Every file the loader may read (host/model.ts, tokenizer, prompt, recipe, vision). */
export const MODEL_FILES = [
  'config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.json',
  'chat_template.jinja', 'discern.json', INDEX_FILE, SINGLE_FILE, 'onnx/vision_encoder.onnx',
] as const;

export interface HubLoadOptions {
  cache: HubCache;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  onProgress?: (e: DownloadEvent) => void;
  /** navigator.storage.estimate by default; null: no check. */
  estimate?: (() => Promise<{ usage?: number; quota?: number }>) | null;
  now?: () => number;
  /** Least time between two progress snapshots within a file (state changes always emit). */
  progressMs?: number;
}

const urlOf = (ref: HubRef, path: string) => ref.base + path.split('/').map(encodeURIComponent).join('/');

/** The cached model as a folder, or null when a file is missing or short. */
async function cachedFolder(cache: HubCache, key: string, meta: ModelMeta, name: string): Promise<ModelFolder | null> {
  const sources = new Map<string, ByteSource>();
  for (const [path, f] of Object.entries(meta.files)) {
    const file = f.complete ? await cache.file(key, path) : null;
    if (!file || file.size !== f.size) return null;
    sources.set(path, blobSource(path, file));
  }
  return folderFromSources(name, sources);
}

interface Plan {
  files: Map<string, Probe>;
  absent: string[];
  commit: string | null;
  /** The index, read whole while planning (its shard list decides what else to ask for). */
  prefetched: Map<string, Uint8Array>;
}

async function plan(ref: HubRef, f: typeof fetch, signal?: AbortSignal): Promise<Plan> {
  const probes = await Promise.all(MODEL_FILES.map((p) => probeFile(urlOf(ref, p), p, f, signal)));
  const files = new Map<string, Probe>();
  const absent: string[] = [];
  MODEL_FILES.forEach((p, i) => (probes[i] ? files.set(p, probes[i]) : absent.push(p)));
  if (!files.has('config.json')) throw new MissingFileError('config.json', ref.base, 'not a model folder?');
  const prefetched = new Map<string, Uint8Array>();
  if (files.has(INDEX_FILE)) {
    files.delete(SINGLE_FILE); // the loader reads the shards the index names, never both
    const url = urlOf(ref, INDEX_FILE);
    let res: Response;
    try {
      res = await f(url, { signal, cache: 'no-store' });
    } catch (e) {
      throw new HttpSourceError(INDEX_FILE, url, null, `request failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    if (!res.ok) throw new HttpSourceError(INDEX_FILE, url, res.status, res.statusText || 'request failed');
    const bytes = new Uint8Array(await res.arrayBuffer());
    prefetched.set(INDEX_FILE, bytes);
    const idx = JSON.parse(new TextDecoder().decode(bytes)) as { weight_map?: Record<string, string> };
    for (const shard of new Set(Object.values(idx.weight_map ?? {}))) {
      const p = await probeFile(urlOf(ref, shard), shard, f, signal);
      if (!p) throw new MissingFileError(shard, ref.base, `listed in ${INDEX_FILE}`);
      files.set(shard, p);
    }
  } else if (!files.has(SINGLE_FILE)) {
    throw new MissingFileError(SINGLE_FILE, ref.base, `nor ${INDEX_FILE}`);
  }
  const commit = [...files.values()].find((p) => p.commit)?.commit ?? null;
  return { files, absent, commit, prefetched };
}

async function defaultEstimate(): Promise<{ usage?: number; quota?: number }> {
  return (await (globalThis as { navigator?: Navigator }).navigator?.storage?.estimate?.()) ?? {};
}

export async function openHubFolder(ref: HubRef, o: HubLoadOptions): Promise<ModelFolder> {
  const key = modelKey(ref.repo, ref.revision);
  const f = o.fetch ?? globalThis.fetch.bind(globalThis);
  const now = o.now ?? (() => performance.now());
  const emit = (phase: DownloadEvent['phase'], files: DownloadFile[]) => o.onProgress?.({ type: 'download', model: key, phase, files: files.map((x) => ({ ...x })) });

  const old = await o.cache.meta(key);
  if (old?.complete) {
    const folder = await cachedFolder(o.cache, key, old, ref.base);
    if (folder) {
      emit('cached', Object.entries(old.files).map(([path, x]) => ({ path, state: 'cached', bytes: x.size, total: x.size, resumedFrom: 0, bytesPerSec: 0, etaSec: null })));
      return folder;
    }
  }

  emit('checking', []);
  let p: Plan;
  try {
    p = await plan(ref, f, o.signal);
  } catch (e) {
    if (o.signal?.aborted) throw new DownloadCancelledError('', key, 0, 0);
    throw e;
  }
  const rows: (DownloadFile & { etag: string | null })[] = [];
  for (const [path, probe] of p.files) {
    const prev = old?.files[path];
    const stored = await o.cache.storedBytes(key, path);
    const same = !!prev && prev.size === probe.size && (!prev.etag || !probe.etag || prev.etag === probe.etag);
    const cached = same && prev.complete && stored === probe.size;
    const from = same && !cached && stored < probe.size ? stored : 0;
    rows.push({ path, state: cached ? 'cached' : 'queued', bytes: cached ? stored : from, total: probe.size, resumedFrom: from, bytesPerSec: 0, etaSec: null, etag: probe.etag });
  }
  const needed = rows.filter((r) => r.state === 'queued').reduce((a, r) => a + r.total - r.resumedFrom, 0);
  const est = o.estimate === null ? null : await (o.estimate ?? defaultEstimate)();
  if (est?.quota !== undefined && needed > est.quota - (est.usage ?? 0)) {
    throw new StorageQuotaError(key, needed, Math.max(0, est.quota - (est.usage ?? 0)));
  }

  const meta: ModelMeta = {
    format: 'discern-hub-cache', version: 1, repo: ref.repo, revision: ref.revision, url: ref.base, commit: p.commit ?? old?.commit ?? null,
    files: Object.fromEntries(rows.map((r) => [r.path, { size: r.total, etag: r.etag, complete: r.state === 'cached' }])),
    absent: p.absent, complete: false, storedAt: 0,
  };
  await o.cache.writeMeta(meta);
  const snapshot = () => rows.map(({ etag: _e, ...r }) => r);
  emit('downloading', snapshot());

  for (const r of rows.filter((x) => x.state === 'queued')) {
    if (o.signal?.aborted) throw new DownloadCancelledError(r.path, key, r.bytes, r.total);
    r.state = 'downloading';
    emit('downloading', snapshot());
    const meter = new RateMeter();
    let last = now();
    try {
      const pre = p.prefetched.get(r.path);
      if (pre) {
        const sink = await o.cache.sink(key, r.path, 0);
        await sink.write(pre);
        await sink.close();
        r.bytes = pre.byteLength;
      } else {
        const etag = await downloadFile({
          url: urlOf(ref, r.path), path: r.path, model: key, offset: r.resumedFrom, size: r.total, etag: r.etag, fetch: f, signal: o.signal,
          sink: (off) => o.cache.sink(key, r.path, off),
          onBytes: (n) => {
            const t = now();
            r.bytes = n;
            meter.sample(t, n);
            if (t - last < (o.progressMs ?? 200)) return;
            last = t;
            r.bytesPerSec = meter.rate();
            r.etaSec = meter.eta(r.total);
            emit('downloading', snapshot());
          },
        });
        r.etag = etag ?? r.etag;
      }
    } catch (e) {
      r.state = e instanceof DownloadCancelledError ? 'cancelled' : 'failed';
      r.bytesPerSec = 0;
      r.etaSec = null;
      emit('downloading', snapshot());
      throw e;
    }
    meta.files[r.path] = { size: r.total, etag: r.etag, complete: true };
    await o.cache.writeMeta(meta);
    Object.assign(r, { state: 'done', etaSec: null, bytesPerSec: meter.rate() });
    emit('downloading', snapshot());
  }
  meta.complete = true;
  await o.cache.writeMeta(meta);
  const folder = await cachedFolder(o.cache, key, meta, ref.base);
  if (!folder) throw new Error(`${key}: the downloaded files are not all in the cache (storage cleared during the download?)`);
  return folder;
}
