/**
 * One file over HTTP for the cache: its size (probe) and a resumable download into a Sink.
 *
 * Public API:
 *   probeFile(url, path, f, signal) → { size, etag, commit } | null (404: the file does not exist)
 *   downloadFile({ url, path, model, offset, size, etag, fetch, signal, sink, onBytes }) → etag
 * Requests stay CORS-simple (a `Range: bytes=N-` or `bytes=0-0` header is safelisted), so a
 * cross-origin Hub/CDN needs no preflight: the ETag is compared after the reply instead of
 * sending If-Range. fetch follows the Hub's 302 to its CDN; the ETag, Content-Range and
 * X-Repo-Commit read are the final reply's (the server must expose them to CORS).
 * `cache: 'no-store'`: the files live in OPFS; the browser's HTTP cache would keep a second
 * copy of every byte, and its partial entries rewrite a resumed Range (seen in Chromium:
 * `bytes=N-` reached the server as `bytes=N-<end>` after a cached partial reply).
 * Errors: MissingFileError (404, or an HTML page from a dev server), HttpSourceError (status
 * null: no HTTP reply or the connection dropped mid-body; else the status), DownloadCancelledError,
 * CacheWriteError (the sink refused the bytes, e.g. QuotaExceededError: a storage failure, not
 * a network one).
 */
import { CacheWriteError, DownloadCancelledError, HttpSourceError, MissingFileError } from '../errors.ts';
import type { Sink } from './cache.ts';

export interface Probe {
  size: number;
  etag: string | null;
  commit: string | null;
}

type Fetch = typeof fetch;

const describe = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

async function request(url: string, path: string, f: Fetch, headers: Record<string, string>, signal: AbortSignal | undefined, cancelled: () => Error): Promise<Response> {
  let res: Response;
  try {
    res = await f(url, { headers, signal, cache: 'no-store' });
  } catch (e) {
    if (signal?.aborted) throw cancelled();
    throw new HttpSourceError(path, url, null, `request failed: ${describe(e)}`);
  }
  const html = !/\.html?$/i.test(path) && (res.headers.get('content-type') ?? '').startsWith('text/html');
  if (res.status === 404 || (res.ok && html)) {
    await res.body?.cancel().catch(() => {});
    throw new MissingFileError(path, url);
  }
  if (res.status !== 200 && res.status !== 206) {
    await res.body?.cancel().catch(() => {});
    throw new HttpSourceError(path, url, res.status, res.statusText || 'request failed');
  }
  return res;
}

/** "bytes a-b/total" → [a, total]. */
function contentRange(res: Response): [number, number] | null {
  const m = /^bytes\s+(\d+)-\d+\/(\d+)\s*$/.exec(res.headers.get('content-range') ?? '');
  return m ? [Number(m[1]), Number(m[2])] : null;
}

export async function probeFile(url: string, path: string, f: Fetch, signal?: AbortSignal): Promise<Probe | null> {
  let res: Response;
  try {
    res = await request(url, path, f, { Range: 'bytes=0-0' }, signal, () => new DOMException('aborted', 'AbortError'));
  } catch (e) {
    if (e instanceof MissingFileError) return null;
    throw e;
  }
  const etag = res.headers.get('etag');
  const commit = res.headers.get('x-repo-commit');
  await res.body?.cancel().catch(() => {});
  if (res.status === 206) {
    const cr = contentRange(res);
    if (!cr) throw new HttpSourceError(path, url, 206, 'no Content-Range total in a 206 reply (is Content-Range exposed to CORS?)');
    return { size: cr[1], etag, commit };
  }
  const len = res.headers.get('content-length'); // a server that ignores Range
  if (len === null) throw new HttpSourceError(path, url, res.status, 'neither Content-Range nor Content-Length: the size is unknown');
  return { size: Number(len), etag, commit };
}

export interface DownloadOptions {
  url: string;
  path: string;
  /** `owner/repo@revision`, for the cancel message. */
  model: string;
  /** Bytes already stored (a partial from an earlier attempt): asked for with Range from here. */
  offset: number;
  size: number;
  /** The stored partial's ETag: a reply with another one means the file changed → restart at 0. */
  etag: string | null;
  fetch: Fetch;
  signal?: AbortSignal;
  /** Opens the file for writing from `offset` (cutting anything after it). */
  sink(offset: number): Promise<Sink>;
  /** Bytes stored so far, after every chunk. */
  onBytes(stored: number): void;
}

/** Downloads [offset, size) and returns the reply's ETag. On any failure the bytes written stay. */
export async function downloadFile(o: DownloadOptions): Promise<string | null> {
  let stored = o.offset;
  const cancelled = () => new DownloadCancelledError(o.path, o.model, stored, o.size);
  const headers: Record<string, string> = o.offset > 0 ? { Range: `bytes=${o.offset}-` } : {};
  const res = await request(o.url, o.path, o.fetch, headers, o.signal, cancelled);
  const etag = res.headers.get('etag');
  let start = 0;
  if (res.status === 206) {
    const cr = contentRange(res);
    if (!cr || cr[0] !== o.offset || cr[1] !== o.size) {
      await res.body?.cancel().catch(() => {});
      throw new HttpSourceError(o.path, o.url, 206, `asked for bytes ${o.offset}- of ${o.size}, got Content-Range "${res.headers.get('content-range')}"`);
    }
    if (o.etag && etag && etag !== o.etag) {
      // The file changed since the partial was stored: its bytes cannot be continued.
      await res.body?.cancel().catch(() => {});
      return downloadFile({ ...o, offset: 0, etag: null });
    }
    start = o.offset;
  } // 200: the server ignored Range (or this is the first attempt): the whole file from 0
  stored = start;
  o.onBytes(stored);
  const sink = await o.sink(start);
  const reader = res.body?.getReader();
  try {
    while (reader) {
      const { done, value } = await reader.read();
      if (done) break;
      if (stored + value.byteLength > o.size) {
        throw new HttpSourceError(o.path, o.url, res.status, `the server sent more than the ${o.size} bytes it announced`);
      }
      try {
        await sink.write(value);
      } catch (e) {
        throw new CacheWriteError(o.path, o.model, stored, describe(e));
      }
      stored += value.byteLength;
      o.onBytes(stored);
      if (o.signal?.aborted) throw cancelled(); // do not rely on fetch aborting the body stream
    }
  } catch (e) {
    await reader?.cancel().catch(() => {});
    if (o.signal?.aborted) throw cancelled();
    if (e instanceof HttpSourceError || e instanceof CacheWriteError) throw e;
    throw new HttpSourceError(o.path, o.url, null, `the connection dropped after ${stored} of ${o.size} bytes (${describe(e)}); load again to resume`);
  } finally {
    await sink.close();
  }
  if (stored !== o.size) {
    throw new HttpSourceError(o.path, o.url, null, `the reply ended after ${stored} of ${o.size} bytes; load again to resume`);
  }
  return etag;
}
