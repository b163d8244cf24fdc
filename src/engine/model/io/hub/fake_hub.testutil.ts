// A fake Hub for tests of the download cache: a fetch over in-memory files at
// `${BASE}<path>` with Range (206), ETag, X-Repo-Commit, 404s, optional failures, and a log
// of every request. `dropAfter` makes the next GET of that file send that many bytes of its
// body and then break the connection (as a server killed mid-download would).
export const BASE = 'https://hub.test/org/repo/resolve/main/';

export interface FakeHub {
  fetch: typeof fetch;
  /** `path range` per request, e.g. `model.safetensors bytes=100-` or `config.json -`. */
  log: string[];
  files: Record<string, Uint8Array>;
  etags: Record<string, string>;
  dropAfter: Record<string, number>;
  /** Every request fails as offline fetch does (TypeError) while true. */
  offline: boolean;
}

export function fakeHub(files: Record<string, Uint8Array>): FakeHub {
  const hub: FakeHub = {
    log: [], files, etags: Object.fromEntries(Object.keys(files).map((p) => [p, `"etag-${p}-1"`])), dropAfter: {}, offline: false,
    fetch: async (input, init) => {
      const url = String(input);
      const path = decodeURIComponent(url.slice(BASE.length));
      const range = new Headers(init?.headers).get('range');
      hub.log.push(`${path} ${range ?? '-'}`);
      if (hub.offline || !url.startsWith(BASE)) throw new TypeError('Failed to fetch');
      if (init?.signal?.aborted) throw new DOMException('aborted', 'AbortError');
      const data = files[path];
      if (!data) return new Response('Entry not found', { status: 404, statusText: 'Not Found' });
      const headers = { etag: hub.etags[path], 'x-repo-commit': 'abc123def4567890' };
      const m = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
      let a = 0, b = data.byteLength - 1, status = 200;
      const h: Record<string, string> = { ...headers };
      if (m) {
        a = Number(m[1]);
        b = m[2] ? Math.min(Number(m[2]), b) : b;
        status = 206;
        h['content-range'] = `bytes ${a}-${b}/${data.byteLength}`;
      }
      const body = data.slice(a, b + 1);
      h['content-length'] = String(body.byteLength);
      const drop = hub.dropAfter[path];
      if (drop !== undefined && body.byteLength > 1) {
        delete hub.dropAfter[path];
        let sent = false; // error on the pull after the bytes (an error in start() would drop them)
        const stream = new ReadableStream<Uint8Array>({
          pull(c) {
            if (sent) return c.error(new TypeError('network error'));
            c.enqueue(body.slice(0, drop));
            sent = true;
          },
        });
        return new Response(stream, { status, headers: h });
      }
      // in chunks, so progress and cancel happen mid-file
      const stream = new ReadableStream<Uint8Array>({
        start(c) {
          for (let i = 0; i < body.byteLength; i += 4096) c.enqueue(body.slice(i, i + 4096));
          c.close();
        },
      });
      return new Response(stream, { status, headers: h });
    },
  };
  return hub;
}

/** Deterministic bytes (a stand-in for a weights file). */
export function bytesOf(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) out[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  return out;
}
