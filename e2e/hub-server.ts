// A local stand-in for the Hugging Face Hub, for e2e/hub-cache.spec.ts: serves a model folder
// from disk as `/<org>/<repo>/resolve/main/<file>`, the way the Hub does it —
//   * weight files (.safetensors, .onnx) answer 302 to a "CDN" path (`/cdn/<org>/<repo>/<file>`),
//     small files are served directly;
//   * Range requests (`bytes=a-b`, `bytes=a-`) → 206 with Content-Range; ETag; X-Repo-Commit;
//   * CORS (the page is on another port): ETag, Content-Range and X-Repo-Commit exposed; a
//     preflight OPTIONS is answered (and logged apart from file requests).
// Knobs: `throttle` (bytes per 50 ms tick for weight files, so progress is visible) and
// `dropAfter` (the next GET of that file sends that many bytes and then kills the socket).
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { join } from 'node:path';

export interface HubServer {
  /** Base URL of the model: http://127.0.0.1:<port>/<repo>/resolve/main/ */
  base: string;
  /** GET/HEAD requests as `METHOD path range` (path after resolve/main/ or cdn/<repo>/). */
  log: string[];
  /** Preflights, kept apart. */
  options: string[];
  throttle: number | null;
  dropAfter: Record<string, number>;
  stop(): Promise<void>;
}

const COMMIT = '0123456789abcdef0123456789abcdef01234567';

export async function startHubServer(dir: string, repo = 'org/tiny-random'): Promise<HubServer> {
  const sockets = new Set<Socket>();
  const cors = {
    'access-control-allow-origin': '*',
    'access-control-expose-headers': 'ETag, Content-Range, Content-Length, Accept-Ranges, X-Repo-Commit',
  };
  const state: HubServer = {
    base: '', log: [], options: [], throttle: null, dropAfter: {},
    stop: () => new Promise<void>((r) => {
      for (const s of sockets) s.destroy();
      server.close(() => r());
    }),
  };
  const server: Server = createServer((req, res) => {
    const url = decodeURIComponent(new URL(req.url!, 'http://x').pathname);
    if (req.method === 'OPTIONS') {
      state.options.push(url);
      res.writeHead(204, { ...cors, 'access-control-allow-headers': '*', 'access-control-allow-methods': 'GET, HEAD' }).end();
      return;
    }
    const resolve = `/${repo}/resolve/main/`, cdn = `/cdn/${repo}/`;
    const file = url.startsWith(resolve) ? url.slice(resolve.length) : url.startsWith(cdn) ? url.slice(cdn.length) : null;
    state.log.push(`${req.method} ${url.startsWith(cdn) ? 'cdn:' : ''}${file ?? url} ${req.headers.range ?? '-'}`);
    if (!file || file.includes('..')) return void res.writeHead(404, cors).end('Entry not found');
    let size: number;
    try {
      size = statSync(join(dir, file)).size;
    } catch {
      return void res.writeHead(404, { ...cors, 'x-error-code': 'EntryNotFound' }).end('Entry not found');
    }
    const big = /\.(safetensors|onnx)$/.test(file);
    if (big && url.startsWith(resolve)) {
      // the Hub's LFS redirect (relative Location, as the Hub's own is absolute to its CDN)
      return void res.writeHead(302, { ...cors, location: `${cdn}${file}`, 'x-repo-commit': COMMIT }).end();
    }
    const data = readFileSync(join(dir, file));
    const etag = `"${createHash('sha256').update(data).digest('hex').slice(0, 32)}"`;
    const m = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    let a = 0, b = size - 1, status = 200;
    const h: Record<string, string | number> = { ...cors, etag, 'x-repo-commit': COMMIT, 'accept-ranges': 'bytes', 'content-type': 'application/octet-stream' };
    if (m) {
      a = Number(m[1]);
      b = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
      if (a >= size) return void res.writeHead(416, { ...h, 'content-range': `bytes */${size}` }).end();
      status = 206;
      h['content-range'] = `bytes ${a}-${b}/${size}`;
    }
    const body = data.subarray(a, b + 1);
    h['content-length'] = body.byteLength;
    res.writeHead(status, h);
    if (req.method === 'HEAD') return void res.end();
    const drop = state.dropAfter[file];
    if (drop !== undefined && body.byteLength > 1) delete state.dropAfter[file];
    const step = big && state.throttle ? state.throttle : body.byteLength;
    let at = 0;
    const tick = () => {
      const end = Math.min(body.byteLength, at + step, drop ?? Infinity);
      res.write(body.subarray(at, end));
      at = end;
      if (drop !== undefined && at >= drop) return void setTimeout(() => req.socket.destroy(), 20); // the connection dies mid-body
      if (at >= body.byteLength) return void res.end();
      setTimeout(tick, 50);
    };
    tick();
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  state.base = `http://127.0.0.1:${(server.address() as { port: number }).port}/${repo}/resolve/main/`;
  return state;
}
