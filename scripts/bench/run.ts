// Benchmark runner (Node): `npm run bench:kernels [-- --quick] [-- --peers ours,tfjs]`,
// `tsx scripts/bench/run.ts train-step|embed|profile`, `npm run bench` (= all: kernels, train-step, embed, profile).
//  1. starts a Vite dev server on a free 127.0.0.1 port, root = repo (no config file: the
//     page only needs TS + `?raw` WGSL imports, and file watching/HMR are off so edits by
//     others mid-run cannot reload the page);
//  2. launches headless Chromium (scripts/chromium.ts: SwiftShader WebGPU flags) and opens
//     scripts/bench/bench.html;
//  3. calls window.__discernBench.run(suite) in the page, forwarding page logs to stdout;
//  4. prints the table, writes bench-results/<suite>.json, closes everything.
// Exit codes: 0 ok; 1 the page failed (WebGPU missing, a peer failed to initialise or run);
// 2 bad command line; 3 implementations disagree on the output (the ratios would be
// meaningless).

import { loadavg } from 'node:os';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser } from 'playwright';
import { createServer, type ViteDevServer } from 'vite';
import { CHROMIUM_ARGS, CHROMIUM_PATH, freePort } from '../chromium.ts';
import { ALL_SUITES, outPath, parseArgs, USAGE, type Args } from './args.ts';
import { reportSuite } from './report.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const PAGE_READY_TIMEOUT_MS = 180_000; // first run pre-bundles TF.js / jax-js on 2 cores
const RUN_TIMEOUT_MS = 15 * 60_000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  return Promise.race([
    p.finally(() => clearTimeout(timer)),
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what} timed out after ${Math.round(ms / 1000)} s`)), ms);
    }),
  ]);
}

async function main(): Promise<number> {
  let args: Args;
  try {
    args = parseArgs(process.argv.slice(2), ROOT);
  } catch (e) {
    console.error(`bench: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  let server: ViteDevServer | null = null;
  let browser: Browser | null = null;
  try {
    const port = await freePort();
    server = await createServer({
      root: ROOT,
      configFile: false,
      logLevel: 'warn',
      clearScreen: false,
      server: { host: '127.0.0.1', port, strictPort: true, hmr: false, watch: null },
      // Own pre-bundle cache: other Vite servers / vitest runs on this checkout rewrite
      // node_modules/.vite/deps with their own set, and a rewrite mid-run makes the page's
      // next lazy import fail with "504 Outdated Optimize Dep".
      cacheDir: resolve(ROOT, 'node_modules/.vite-bench'),
      optimizeDeps: {
        entries: ['scripts/bench/bench.html'],
        include: ['@tensorflow/tfjs-core', '@tensorflow/tfjs-core/dist/register_all_gradients', '@tensorflow/tfjs-backend-webgpu', '@jax-js/jax', 'onnxruntime-web', 'onnx-proto'],
      },
    });
    await server.listen();
    const url = `http://127.0.0.1:${port}/scripts/bench/bench.html`;
    console.log(`bench: vite dev server at ${url}`);

    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage();
    // BENCH_HIDE_WEBGPU=1 removes navigator.gpu before any script runs: exercises the
    // "WebGPU missing" path (exit 1 with a message) on a machine that has WebGPU.
    if (process.env.BENCH_HIDE_WEBGPU === '1') await page.addInitScript(() => delete (Navigator.prototype as { gpu?: unknown }).gpu);
    const pageErrors: string[] = [];
    page.on('console', (m) => {
      const t = m.text();
      if (m.type() === 'error') console.error(`[page] ${t}`);
      else if (m.type() !== 'debug' && !t.startsWith('[vite]')) console.log(`[page] ${t}`);
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(url);
    try {
      await page.waitForFunction(() => !!window.__discernBench, null, { timeout: PAGE_READY_TIMEOUT_MS });
    } catch {
      throw new Error(`bench page did not start within ${PAGE_READY_TIMEOUT_MS / 1000} s${pageErrors.length ? `: ${pageErrors.join('; ')}` : ''}`);
    }
    // SwiftShader runs on the host CPU: the load others put on it moves every figure, so the
    // 1-minute load average before and after goes into the output next to the adapter.
    const { quick, peers, filter } = args;
    const suites = args.suite === 'all' ? ALL_SUITES : [args.suite];
    let disagree = false;
    for (const suite of suites) {
      const loadBefore = loadavg()[0];
      const result = await withTimeout(
        page.evaluate(({ suite, ...opts }) => window.__discernBench!.run(suite, opts), { suite, quick, peers, filter }),
        RUN_TIMEOUT_MS,
        `suite ${suite}`,
      );
      const out = args.suite === 'all' ? outPath(ROOT, suite, quick, filter) : args.out;
      const bad = await reportSuite(result, loadBefore, out);
      if (bad.length) {
        console.error(`bench: implementations disagree — the comparison is not of the same computation:\n  ${bad.join('\n  ')}`);
        disagree = true;
      }
    }
    if (disagree) return 3;
    return 0;
  } catch (e) {
    // page.evaluate wraps page-side errors; keep only the page's message.
    // page.evaluate appends the page's stack; the first line is the message.
    const msg = (e as Error).message.replace(/^page\.evaluate: (Error: )?/, '');
    console.error(`bench: FAILED — ${msg.split('\n')[0]}`);
    return 1;
  } finally {
    await browser?.close().catch(() => {});
    await server?.close().catch(() => {});
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().then((code) => process.exit(code));
}
