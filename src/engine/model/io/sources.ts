/**
 * ByteSource: random-access reads of one file, wherever it lives.
 *
 * Public API:
 *   interface ByteSource { name; size(); read(offset, length) }
 *   bytesSource(name, bytes)       — in-memory Uint8Array
 *   blobSource(name, blob)         — a Blob / File (drag & drop, file picker); Blob.slice reads
 *   httpSource(name, url, opts?)   — HTTP(S) with `Range: bytes=a-b`, so only the bytes asked
 *                                    for travel (Hugging Face `resolve/main/<file>` works: fetch
 *                                    follows its redirect to the CDN, which honours Range).
 * Traps: `read` past the end throws (callers treat that as a truncated file); a server that
 * ignores Range (HTTP 200) makes httpSource fetch the whole body once and slice it.
 */
import { HttpSourceError, MissingFileError, ModelFileError } from './errors.ts';

export interface ByteSource {
  /** Relative path inside the model folder, e.g. `onnx/vision_encoder.onnx`. */
  readonly name: string;
  size(): Promise<number>;
  /** Exactly `length` bytes starting at `offset`; throws when the file is shorter. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

function checkRange(name: string, offset: number, length: number, size: number): void {
  if (offset < 0 || length < 0 || offset + length > size) {
    throw new ModelFileError(name,
      `${name}: read of ${length} bytes at offset ${offset} runs past the end of the file (${size} bytes); truncated file?`);
  }
}

export function bytesSource(name: string, bytes: Uint8Array): ByteSource {
  return {
    name,
    size: async () => bytes.byteLength,
    read: async (offset, length) => {
      checkRange(name, offset, length, bytes.byteLength);
      return bytes.subarray(offset, offset + length);
    },
  };
}

export function blobSource(name: string, blob: Blob): ByteSource {
  return {
    name,
    size: async () => blob.size,
    read: async (offset, length) => {
      checkRange(name, offset, length, blob.size);
      return new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer());
    },
  };
}

export interface HttpSourceOptions {
  fetch?: typeof fetch;
  /** Extra headers (e.g. Authorization for gated repos). */
  headers?: Record<string, string>;
}

export function httpSource(name: string, url: string, opts: HttpSourceOptions = {}): ByteSource {
  const f = opts.fetch ?? globalThis.fetch.bind(globalThis);
  let total: number | undefined;
  let whole: Uint8Array | undefined; // only when the server ignores Range

  /** fetch rejects (TypeError) only when no HTTP reply came: name the file, URL and cause. */
  const network = (e: unknown, what: string) =>
    new HttpSourceError(name, url, null, `${what}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  async function body(res: Response, what: string): Promise<Uint8Array> {
    try {
      return new Uint8Array(await res.arrayBuffer());
    } catch (e) {
      throw network(e, what); // the connection dropped mid-body
    }
  }

  async function get(start: number, endInclusive: number): Promise<Response> {
    let res: Response;
    try {
      res = await f(url, { headers: { ...opts.headers, Range: `bytes=${start}-${endInclusive}` } });
    } catch (e) {
      throw network(e, `request for bytes ${start}-${endInclusive} failed`);
    }
    if (res.status === 404) throw new MissingFileError(name, url);
    // Single-page-app dev servers (Vite) answer a missing file with index.html and 200.
    if (!/\.html?$/i.test(name) && (res.headers.get('content-type') ?? '').startsWith('text/html')) {
      await res.body?.cancel();
      throw new MissingFileError(name, url);
    }
    if (res.status === 416) {
      throw new HttpSourceError(name, url, 416, `range ${start}-${endInclusive} not satisfiable; truncated file?`);
    }
    if (res.status !== 206 && res.status !== 200) {
      throw new HttpSourceError(name, url, res.status, res.statusText || 'request failed');
    }
    return res;
  }

  async function size(): Promise<number> {
    if (total !== undefined) return total;
    const res = await get(0, 0);
    if (res.status === 200) {
      whole = await body(res, 'reading the whole file failed');
      total = whole.byteLength;
      return total;
    }
    const cr = res.headers.get('content-range'); // "bytes 0-0/12345"
    await body(res, 'reading the first byte failed');
    const m = cr ? /\/(\d+)\s*$/.exec(cr) : null;
    if (!m) throw new HttpSourceError(name, url, res.status, 'no Content-Range total in a 206 reply');
    total = Number(m[1]);
    return total;
  }

  return {
    name,
    size,
    async read(offset, length) {
      const n = await size();
      checkRange(name, offset, length, n);
      if (whole) return whole.subarray(offset, offset + length);
      if (length === 0) return new Uint8Array(0);
      const res = await get(offset, offset + length - 1);
      const bytes = await body(res, `reading ${length} bytes at ${offset} failed`);
      if (res.status === 200) {
        whole = bytes;
        return bytes.subarray(offset, offset + length);
      }
      if (bytes.byteLength !== length) {
        throw new HttpSourceError(name, url, res.status, `asked for ${length} bytes at ${offset}, got ${bytes.byteLength}`);
      }
      return bytes;
    },
  };
}
