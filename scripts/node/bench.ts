// `npm run bench:node -- kernels|train-step|embed|profile|all [--quick] [--peers …]`: bundles
// bench-node.ts (build.ts, ≈ 2 s) into node_modules/.cache/discern-bench-node/ and runs it in
// a child Node process on Dawn — the same bundle dist-gpu/ ships, so what runs here is what
// runs on a GPU server. Arguments are passed through; the exit code is the bundle's.
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleNode } from './build.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const t0 = performance.now();
const { outfile } = await bundleNode({ entry: join(ROOT, 'scripts/node/bench-node.ts'), outfile: join(ROOT, 'node_modules/.cache/discern-bench-node/bench.mjs') });
console.log(`bench:node: bundled ${outfile} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const r = spawnSync(process.execPath, [outfile, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, DISCERN_REPO_ROOT: ROOT } });
process.exit(r.status ?? 1);
