// Benchmark page entry (scripts/bench/bench.html). Installs window.__discernBench, which the
// runner (run.ts) calls through page.evaluate; the suites themselves are in suites.ts (shared
// with the Node host, scripts/node/bench-node.ts).
import { runSuite } from './suites.ts';
import type { BenchApi } from './types.ts';

const logEl = document.getElementById('log');
function log(line: string) {
  console.log(line); // forwarded to the runner's stdout
  if (logEl) logEl.textContent += `\n${line}`;
}

const api: BenchApi = { run: (suite, opts) => runSuite(suite, opts, log) };
window.__discernBench = api;
log('bench page ready');
