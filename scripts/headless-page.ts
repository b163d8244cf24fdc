// One of our script pages (scripts/<tool>/<tool>.html) opened in headless Chromium
// (scripts/chromium.ts flags: SwiftShader WebGPU here, a real GPU elsewhere) on a Vite dev
// server rooted at the repo — public/ is served at /, so bundled models are URLs — with HMR
// and file watching OFF: editing the tree during a long run cannot reload the page under it.
// Shared by `npm run pretrain` and `npm run evidence`.
//
//   const hp = await openHeadlessPage({ entry: 'scripts/x/x.html', ready: '__discernX', name: 'x',
//                                       echo: 'all' | 'warnings', expose: { __discernXProgress: fn } });
//   try { await hp.page.evaluate(…) } finally { await hp.close(); }
//
// `ready` is the global the page sets once its module has loaded; a page that never sets it
// fails with the page errors it reported (a missing import, no WebGPU …), not a bare timeout.
// Functions in `expose` are installed before navigation, so the page can call them at once.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH, freePort } from './chromium.ts';
import { ownViteCacheDir } from './vite-cache.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const READY_TIMEOUT_MS = 180_000;

export interface HeadlessPageOptions {
  /** Repo-relative path of the page's HTML file. */
  entry: string;
  /** Global the page defines when ready (e.g. '__discernEvidence'). */
  ready: string;
  /** Tool name for messages ("evidence page did not start …"). */
  name: string;
  /** Which page console lines to print: errors always; 'all' adds log/info, 'warnings' warnings. */
  echo: 'all' | 'warnings';
  expose?: Record<string, (...args: never[]) => unknown>;
  /** Serve with the app's vite.config.ts (its plugins and worker format, as `npm start` does) instead of no config. */
  appConfig?: boolean;
}

export interface HeadlessPage {
  page: Page;
  /** http://127.0.0.1:<port> */
  origin: string;
  close(): Promise<void>;
}

export async function openHeadlessPage(o: HeadlessPageOptions): Promise<HeadlessPage> {
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  const cache = ownViteCacheDir(o.name, REPO_ROOT);
  const close = async () => {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
    await cache.remove().catch(() => {});
  };
  try {
    const port = await freePort();
    server = await createServer({
      root: REPO_ROOT, configFile: o.appConfig ? resolve(REPO_ROOT, 'vite.config.ts') : false, logLevel: 'warn', clearScreen: false,
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
      cacheDir: cache.dir, // not the shared node_modules/.vite: see scripts/vite-cache.ts
      optimizeDeps: { entries: [o.entry] },
    });
    await server.listen();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('console', (m) => {
      const t = m.text(), type = m.type();
      if (type === 'error') console.error(`[page] ${t}`);
      else if (t.startsWith('[vite]') || type === 'debug') return;
      else if (o.echo === 'all' || type === 'warning') console.log(`[page] ${t}`);
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    for (const [name, fn] of Object.entries(o.expose ?? {})) await page.exposeFunction(name, fn);
    const origin = `http://127.0.0.1:${port}`;
    await page.goto(`${origin}/${o.entry}`);
    try {
      await page.waitForFunction((g) => !!(window as unknown as Record<string, unknown>)[g], o.ready, { timeout: READY_TIMEOUT_MS });
    } catch {
      throw new Error(`${o.name} page did not start within ${READY_TIMEOUT_MS / 1000} s${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
    }
    return { page, origin, close };
  } catch (e) {
    await close();
    throw e;
  }
}
