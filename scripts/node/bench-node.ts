// Benchmark runner on Dawn in Node (no browser): the same suites as the Chromium runner
// (scripts/bench/suites.ts), same arguments, same tables and JSON. This file is the entry of
// an esbuild bundle (build.ts) — run through `npm run bench:node -- <suite> [--quick]`
// (scripts/node/bench.ts) or dist-gpu/run.sh; it is not run by tsx directly because the
// kernels import their WGSL with `?raw`.
//   --results DIR   where <suite>[-quick].json go (default <repo>/bench-results)
//   --summary FILE  append the printed tables (adapter, ratios, counts) to FILE (dist-gpu/run.sh)
// Peers in Node: jax-js and TF.js WebGPU run on the `webgpu` package's navigator.gpu (dawn.ts),
// onnxruntime-web's WebGPU and wasm EPs too (its wasm handed over as bytes below; Dawn's
// writeBuffer given plain copies of its SharedArrayBuffer heap, dawn.ts). onnxruntime-node is
// not a dependency and not measured: ONNX Runtime is compared through onnxruntime-web (the
// runtime the product ships), whose two EPs above already run in Node.
// Env: DISCERN_MODELS_DIR (default <repo>/public/models), DISCERN_REPO_ROOT (the bundle's
// launcher sets both), plus dawn.ts's VK_ICD_FILENAMES / DISCERN_DAWN_NODE.
// Exit codes as run.ts: 0 ok, 1 failure, 2 bad command line, 3 implementations disagree.
import { appendFileSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-web';
import ortWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { describeCaps } from '../../src/engine/gpu/device.ts';
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { ALL_SUITES, outPath, parseArgs, USAGE, type Args } from '../bench/args.ts';
import { setBenchModelLoader } from '../bench/model-folder.ts';
import { reportSuite } from '../bench/report.ts';
import { runSuite } from '../bench/suites.ts';
import { installDawn, uninstallDawn } from './dawn.ts';
import { folderFromDir } from './folder-node.ts';

const NODE_PEERS = 'peers under Node: ours, jax-js and tfjs (WebGPU on dawn.node), ort-webgpu and ort-wasm (onnxruntime-web); onnxruntime-node not measured (not a dependency; ONNX Runtime is compared through onnxruntime-web)';

async function main(argv: string[]): Promise<number> {
  const root = resolve(process.env.DISCERN_REPO_ROOT ?? process.cwd());
  let results = join(root, 'bench-results');
  let summaryFile: string | null = null;
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--results') {
      if (!argv[i + 1]) { console.error(`bench-node: --results needs a folder\n${USAGE} [--results DIR]`); return 2; }
      results = resolve(argv[++i]);
    } else if (argv[i] === '--summary') {
      if (!argv[i + 1]) { console.error(`bench-node: --summary needs a file\n${USAGE} [--results DIR] [--summary FILE]`); return 2; }
      summaryFile = resolve(argv[++i]);
    } else rest.push(argv[i]);
  }
  let args: Args;
  try {
    args = parseArgs(rest, root);
  } catch (e) {
    console.error(`bench-node: ${(e as Error).message}\n${USAGE} [--results DIR]`);
    return 2;
  }
  // onnxruntime-web fetches its wasm by URL; Node's fetch cannot read file:// URLs, so hand
  // it the bytes (the bundle carries the file next to itself, build.ts).
  ort.env.wasm.wasmBinary = readFileSync(fileURLToPath(ortWasmUrl));
  const models = resolve(process.env.DISCERN_MODELS_DIR ?? join(root, 'public/models'));
  setBenchModelLoader((name) => folderFromDir(join(models, name)));
  try {
    const host = await installDawn();
    console.log(`bench-node: Dawn ${host.dawnNode}, Vulkan ICD ${host.icd ?? 'none'} (${host.icdWhy})`);
    const probe = await GpuContext.create();
    const adapter = describeCaps(probe.caps);
    probe.destroy();
    console.log(`bench-node: adapter ${adapter}`);
    console.log(`bench-node: ${NODE_PEERS}`);
    const summary = summaryFile ? (text: string) => appendFileSync(summaryFile, text + '\n') : undefined;
    summary?.(`## ${args.suite}${args.quick ? ' --quick' : ''} — ${new Date().toISOString()}\nadapter: ${adapter}; Vulkan ICD ${host.icd ?? 'none'} (${host.icdWhy}); node ${process.version}\n${NODE_PEERS}\n`);
    const suites = args.suite === 'all' ? ALL_SUITES : [args.suite];
    let disagree = false;
    for (const suite of suites) {
      const loadBefore = loadavg()[0];
      const result = await runSuite(suite, { quick: args.quick, peers: args.peers, filter: args.filter }, (l) => console.log(l));
      const file = args.suite !== 'all' && rest.includes('--out') ? args.out : join(results, basename(outPath(root, suite, args.quick, args.filter)));
      const bad = await reportSuite(result, loadBefore, file, { runtime: `node ${process.version}, dawn.node`, adapter, vulkanIcd: host.icd }, summary);
      if (bad.length) {
        console.error(`bench-node: implementations disagree — the comparison is not of the same computation:\n  ${bad.join('\n  ')}`);
        summary?.(`DISAGREE: ${bad.join('; ')}\n`);
        disagree = true;
      }
    }
    return disagree ? 3 : 0;
  } catch (e) {
    console.error(`bench-node: FAILED — ${(e as Error).message.split('\n')[0]}`);
    if (summaryFile) appendFileSync(summaryFile, `FAILED: ${(e as Error).message.split('\n')[0]}\n\n`);
    if (process.env.DISCERN_DEBUG) console.error(e);
    return 1;
  } finally {
    uninstallDawn();
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
