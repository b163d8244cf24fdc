// The CLI's browser session: a Vite dev server (root = repo, 127.0.0.1, free port, no HMR or
// file watching) that also serves the user's local files through a small middleware, and
// headless Chromium (scripts/chromium.ts flags) on scripts/cli/cli.html, whose Worker runs
// the engine handler. `request` relays one protocol request; `onEvents` receives batches.
//
// File middleware: GET /__discern-cli/<mount>/<relative path>, where a mount is a local
// directory or an in-memory map; honours `Range: bytes=a-b` (model folders are read by
// range). Paths that escape the mounted directory are refused (403).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import type { Api, EngineEvent, RequestType, WireError } from '../../src/protocol/messages.ts';
import { CHROMIUM_ARGS, CHROMIUM_PATH, freePort } from '../chromium.ts';
import { ownViteCacheDir, type OwnViteCache } from '../vite-cache.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PREFIX = '/__discern-cli/';
const PAGE_READY_TIMEOUT_MS = 180_000;

export type Mount = { dir: string } | { files: Map<string, Uint8Array> };

/** An engine error reply, with its class name (e.g. NonFiniteLossError) kept. */
export class EngineReplyError extends Error {
  constructor(readonly wire: WireError) {
    super(wire.message);
    this.name = wire.name;
  }
}

async function serveFile(req: IncomingMessage, res: ServerResponse, mount: Mount, rel: string): Promise<void> {
  let size: number;
  let body: (start: number, end: number) => void;
  if ('files' in mount) {
    const bytes = mount.files.get(rel);
    if (!bytes) return void res.writeHead(404).end(`not found: ${rel}`);
    size = bytes.byteLength;
    body = (s, e) => res.end(Buffer.from(bytes.buffer, bytes.byteOffset + s, e - s + 1));
  } else {
    const root = resolve(mount.dir);
    const path = resolve(root, rel);
    if (path !== root && !path.startsWith(root + sep)) return void res.writeHead(403).end('outside the mounted folder');
    const st = await stat(path).catch(() => null);
    if (!st?.isFile()) return void res.writeHead(404).end(`not found: ${rel}`);
    size = st.size;
    body = (s, e) => (size === 0 ? res.end() : createReadStream(path, { start: s, end: e }).pipe(res));
  }
  const m = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
  if (m && size > 0) {
    const start = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
    const end = m[1] !== '' && m[2] !== '' ? Math.min(size - 1, Number(m[2])) : size - 1;
    if (start > end || start >= size) return void res.writeHead(416, { 'Content-Range': `bytes */${size}` }).end();
    res.writeHead(206, { 'Content-Range': `bytes ${start}-${end}/${size}`, 'Content-Length': end - start + 1, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
    return body(start, end);
  }
  res.writeHead(200, { 'Content-Length': size, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' });
  body(0, size - 1);
}

export class BrowserSession {
  private readonly mounts = new Map<string, Mount>();
  private server: ViteDevServer | null = null;
  private cache: OwnViteCache | null = null;
  private browser: BrowserContext | null = null;
  private page: Page | null = null;
  private pageErrors: string[] = [];
  /** The dev server's port (part of the page's origin, hence of its IndexedDB). */
  port = 0;
  onEvents: (events: EngineEvent[]) => void = () => {};
  /** Forwarded page console lines (stderr when verbose). */
  log: (line: string) => void = () => {};

  /** Serves a local folder or an in-memory map; returns the URL prefix (ends with '/'). */
  mount(name: string, m: Mount): string {
    this.mounts.set(name, m);
    return `${PREFIX}${name}/`;
  }

  /**
   * `profileDir`: a persistent Chromium profile (IndexedDB checkpoints survive the process; the
   * CLI's stop/resume uses it). Playwright's own signal handlers are off: a Ctrl-C must reach
   * main.ts, which finishes the step and exports before the browser closes.
   */
  async start(profileDir: string, fixedPort?: number): Promise<void> {
    // IndexedDB is per origin, so a resumed profile must be served on the port it was made on.
    const port = (this.port = fixedPort ?? (await freePort()));
    const mounts = this.mounts;
    const cache = (this.cache = ownViteCacheDir('cli', ROOT));
    this.server = await createServer({
      root: ROOT,
      configFile: false,
      logLevel: 'error',
      clearScreen: false,
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
      worker: { format: 'es' },
      cacheDir: cache.dir, // not the shared node_modules/.vite: see scripts/vite-cache.ts
      // Crawl the worker too, so no dependency is discovered (→ page reload) mid-run.
      optimizeDeps: { entries: ['scripts/cli/cli.html', 'workers/engine.worker.ts'], exclude: ['onnxruntime-web'] },
      plugins: [{
        name: 'discern-cli-files',
        configureServer(server) {
          server.middlewares.use((req, res, next) => {
            const url = decodeURIComponent((req.url ?? '').split('?')[0]);
            if (!url.startsWith(PREFIX)) return next();
            const [mount, ...rest] = url.slice(PREFIX.length).split('/');
            const m = mounts.get(mount);
            if (!m) return void res.writeHead(404).end(`no mount ${mount}`);
            serveFile(req, res, m, rest.join('/')).catch((e: Error) => res.writeHead(500).end(e.message));
          });
        },
      }],
    });
    await this.server.listen().catch((e: Error) => {
      throw new Error(`cannot serve the CLI page on 127.0.0.1:${port}${fixedPort ? ' (the port the stopped run used; its checkpoint belongs to that origin — free the port and retry)' : ''}: ${e.message}`);
    });
    this.browser = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH, args: chromiumArgs(), headless: true, handleSIGINT: false, handleSIGTERM: false, handleSIGHUP: false,
    });
    const page = (this.page = this.browser.pages()[0] ?? (await this.browser.newPage()));
    page.on('console', (m) => {
      const t = m.text();
      if (!t.startsWith('[vite]')) this.log(`[page] ${t}`);
    });
    page.on('pageerror', (e) => this.pageErrors.push(e.message));
    await page.exposeFunction('__discernCliEvents', (events: EngineEvent[]) => this.onEvents(events));
    await page.goto(`http://127.0.0.1:${port}/scripts/cli/cli.html`);
    try {
      await page.waitForFunction(() => !!window.__discernCli, null, { timeout: PAGE_READY_TIMEOUT_MS });
    } catch {
      throw new Error(`CLI page did not start within ${PAGE_READY_TIMEOUT_MS / 1000} s${this.pageErrors.length ? `: ${this.pageErrors.join('; ')}` : ''}`);
    }
  }

  async request<K extends RequestType>(type: K, args: unknown): Promise<Api[K]['result']> {
    if (!this.page) throw new Error('browser session not started');
    const r = await this.page.evaluate(([t, a]) => window.__discernCli!.request(t as RequestType, a), [type, args] as const);
    if (!r.ok) throw new EngineReplyError(r.error);
    return rehydrate(r.result) as Api[K]['result'];
  }

  async close(): Promise<void> {
    await this.browser?.close().catch(() => {});
    await this.server?.close().catch(() => {});
    await this.cache?.remove().catch(() => {});
    this.browser = null;
    this.server = null;
    this.cache = null;
  }
}

/** `{ __b64 }` (from the page) → ArrayBuffer. */
function rehydrate(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(rehydrate);
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.__b64 === 'string') {
      const b = Buffer.from(o.__b64, 'base64');
      return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, rehydrate(x)]));
  }
  return v;
}

/** DISCERN_NO_WEBGPU=1 launches Chromium without WebGPU (exercises exit code 4). */
function chromiumArgs(): string[] {
  if (process.env.DISCERN_NO_WEBGPU !== '1') return CHROMIUM_ARGS;
  return [...CHROMIUM_ARGS.filter((a) => !/webgpu|Vulkan/i.test(a)), '--disable-gpu', '--disable-features=WebGPU,Vulkan'];
}
