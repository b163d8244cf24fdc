// `npm run bench:bundle [-- --out DIR]` (default <repo>/dist-gpu/): the self-contained GPU
// benchmark folder. Copy it to any Linux x64 machine with a Vulkan GPU and run
// `./run.sh RESULTS_DIR [--quick]` — nothing needs installing there (see run.sh). Contents:
//   bench.mjs                          engine + suites + peers (jax-js, TF.js, onnxruntime-web), one minified ESM file (build.ts)
//   ort-wasm-simd-threaded.jsep.wasm.gz  onnxruntime-web's wasm (the embed suite's ort peers)
//   dawn.node.gz                       WebGPU for Node (the `webgpu` package's linux-x64 build)
//   node.gz                            this machine's own Node binary (process.execPath)
//   libvulkan1_*.deb                   Debian's Vulkan loader (`apt-get download libvulkan1`), used when the target has none
//   swiftshader/                       Chromium's SwiftShader Vulkan ICD (.so gzipped + json): the fallback when no NVIDIA ICD is found
//   models/discern-tiny, models/tiny-random   the bundled models the suites load
//   run.sh, MANIFEST.json              launcher; file list, sizes, versions, commit
// gzip (not xz): every target has it, and zlib is in Node, so building needs no tool either.
// The gzipped Node binary is cached under node_modules/.cache/discern-bench-bundle/.
// Fails when the folder exceeds 60 MiB.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { bundleNode } from './build.ts';
import { SWIFTSHADER_ICD } from './dawn.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const BUNDLE_LIMIT_BYTES = 60 * 2 ** 20;
const CACHE = join(ROOT, 'node_modules/.cache/discern-bench-bundle');

function gzipTo(src: string, dst: string): void {
  writeFileSync(dst, gzipSync(readFileSync(src), { level: 6 }));
}

/** The libvulkan1 .deb: cached, else `apt-get download` (after `apt-get update` if the lists
 * are empty), else apt's archive cache. */
function libvulkanDeb(): string {
  mkdirSync(CACHE, { recursive: true });
  const cached = () => readdirSync(CACHE).find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f));
  if (!cached()) {
    const download = () => execFileSync('apt-get', ['download', 'libvulkan1'], { cwd: CACHE, stdio: 'pipe' });
    try {
      try {
        download();
      } catch {
        execFileSync('apt-get', ['update', '-qq'], { stdio: 'pipe' }); // package lists may be empty (slim images)
        download();
      }
    } catch (e) {
      const arch = existsSync('/var/cache/apt/archives') ? readdirSync('/var/cache/apt/archives').find((f) => /^libvulkan1_.*_amd64\.deb$/.test(f)) : undefined;
      if (!arch) throw new Error(`cannot get the libvulkan1 .deb: apt-get download libvulkan1 failed (${(e as Error).message.split('\n')[0]}) and /var/cache/apt/archives has none`);
      copyFileSync(join('/var/cache/apt/archives', arch), join(CACHE, arch));
    }
  }
  return join(CACHE, cached()!);
}

function nodeGz(): string {
  const exe = realpathSync(process.execPath);
  const st = statSync(exe);
  const out = join(CACHE, `node-${process.version}-${st.size}-${Math.round(st.mtimeMs)}.gz`);
  if (!existsSync(out)) {
    mkdirSync(CACHE, { recursive: true });
    gzipTo(exe, out);
  }
  return out;
}

function du(dir: string): { files: { path: string; bytes: number }[]; total: number } {
  const files: { path: string; bytes: number }[] = [];
  for (const e of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile()) continue;
    const p = join(e.parentPath, e.name);
    files.push({ path: relative(dir, p), bytes: statSync(p).size });
  }
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { files, total: files.reduce((s, f) => s + f.bytes, 0) };
}

export async function buildBundle(out: string, log: (l: string) => void = console.log): Promise<{ dir: string; bytes: number }> {
  if (process.platform !== 'linux' || process.arch !== 'x64') throw new Error(`bench:bundle builds a Linux x64 folder from a Linux x64 machine (this is ${process.platform}-${process.arch})`);
  const t0 = performance.now();
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const js = await bundleNode({ entry: join(ROOT, 'scripts/node/bench-node.ts'), outfile: join(out, 'bench.mjs'), minify: true });
  for (const a of js.assets) {
    gzipTo(a, `${a}.gz`);
    rmSync(a);
  }
  const require = createRequire(import.meta.url);
  gzipTo(join(dirname(require.resolve('webgpu/package.json')), 'dist/linux-x64/dawn.node'), join(out, 'dawn.node.gz'));
  copyFileSync(nodeGz(), join(out, 'node.gz'));
  const deb = libvulkanDeb();
  copyFileSync(deb, join(out, deb.split('/').pop()!));
  if (existsSync(SWIFTSHADER_ICD)) {
    const icd = JSON.parse(readFileSync(SWIFTSHADER_ICD, 'utf8')) as { ICD: { library_path: string } };
    const so = resolve(dirname(SWIFTSHADER_ICD), icd.ICD.library_path);
    mkdirSync(join(out, 'swiftshader'));
    gzipTo(so, join(out, 'swiftshader', 'libvk_swiftshader.so.gz'));
    writeFileSync(join(out, 'swiftshader', 'vk_swiftshader_icd.json'), JSON.stringify({ ...icd, ICD: { ...icd.ICD, library_path: './libvk_swiftshader.so' } }) + '\n');
  } else {
    log(`bench:bundle: WARNING ${SWIFTSHADER_ICD} not found — the folder carries no SwiftShader fallback (install chromium); run.sh then needs an NVIDIA ICD`);
  }
  for (const m of ['discern-tiny', 'tiny-random']) cpSync(join(ROOT, 'public/models', m), join(out, 'models', m), { recursive: true });
  copyFileSync(join(ROOT, 'scripts/node/run.sh'), join(out, 'run.sh'));
  execFileSync('chmod', ['+x', join(out, 'run.sh')]);
  let commit = 'unknown';
  try { commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim(); } catch { /* not a checkout */ }
  const { files, total } = du(out);
  const webgpuVersion = (JSON.parse(readFileSync(require.resolve('webgpu/package.json'), 'utf8')) as { version: string }).version;
  writeFileSync(join(out, 'MANIFEST.json'), JSON.stringify({ commit, builtAt: new Date().toISOString(), node: process.version, webgpu: webgpuVersion, files, totalBytes: total }, null, 2) + '\n');
  const mib = (b: number) => (b / 2 ** 20).toFixed(1);
  for (const f of files) log(`  ${mib(f.bytes).padStart(6)} MiB  ${f.path}`);
  log(`bench:bundle: ${out}: ${files.length + 1} files, ${mib(total)} MiB (limit ${mib(BUNDLE_LIMIT_BYTES)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  if (total > BUNDLE_LIMIT_BYTES) throw new Error(`bench:bundle: ${mib(total)} MiB exceeds the ${mib(BUNDLE_LIMIT_BYTES)} MiB limit`);
  return { dir: out, bytes: total };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const i = process.argv.indexOf('--out');
  const out = resolve(i > 0 && process.argv[i + 1] ? process.argv[i + 1] : join(ROOT, 'dist-gpu'));
  buildBundle(out).then(() => process.exit(0), (e) => { console.error((e as Error).message); process.exit(1); });
}
