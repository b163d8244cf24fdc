// `npm run bench:bundle` end to end: the folder is built (≤ 60 MiB, with the bundled JS,
// dawn.node, a gzipped Node, the libvulkan1 .deb, SwiftShader's ICD, run.sh), COPIED into an
// empty temp directory, and its run.sh runs the counts suite there with --quick on the
// carried SwiftShader ICD and the carried Vulkan loader (DISCERN_BUNDLED_VULKAN=1: the .deb
// is unpacked even though this machine has libvulkan1), with no VK_ICD_FILENAMES and no repo
// on the path — JSON, summary.txt and status.txt land in the results folder. ≈ 60–90 s (the
// gzipped Node binary is cached in node_modules/.cache after the first build; a machine shared
// with other jobs can take several times that).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import type { CountsResult } from '../bench/counts/result.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

test('bench:bundle writes a ≤ 60 MiB folder whose run.sh runs from a copy in an empty directory', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'discern-bundle-'));
  try {
    const built = join(tmp, 'built', 'dist-gpu');
    const b = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/node/bundle.ts', '--out', built], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    expect(b.status, `bundle: exit ${b.status}\n${b.stdout}\n${b.stderr}`).toBe(0);
    const manifest = JSON.parse(readFileSync(join(built, 'MANIFEST.json'), 'utf8')) as { totalBytes: number; files: { path: string }[] };
    expect(manifest.totalBytes).toBeLessThanOrEqual(60 * 2 ** 20);
    const names = manifest.files.map((f) => f.path);
    for (const f of ['bench.mjs', 'dawn.node.gz', 'node.gz', 'run.sh', 'ort-wasm-simd-threaded.jsep.wasm.gz', 'swiftshader/libvk_swiftshader.so.gz', 'swiftshader/vk_swiftshader_icd.json', 'models/discern-tiny/config.json']) {
      expect(names, f).toContain(f);
    }
    expect(names.some((n) => /^libvulkan1_.*\.deb$/.test(n))).toBe(true);
    expect(names.filter((n) => n.endsWith('.js') || n.endsWith('.mjs'))).toEqual(['bench.mjs']); // one bundled JS file

    const empty = join(tmp, 'elsewhere');
    mkdirSync(empty);
    cpSync(built, join(empty, 'dist-gpu'), { recursive: true });
    rmSync(join(tmp, 'built'), { recursive: true }); // nothing may point back at the build
    const usage = spawnSync(join(empty, 'dist-gpu/run.sh'), [], { encoding: 'utf8' });
    expect(usage.status).toBe(2);

    const out = join(tmp, 'results');
    const env: NodeJS.ProcessEnv = { ...process.env, DISCERN_BUNDLED_VULKAN: '1', PATH: '/usr/bin:/bin' };
    delete env.VK_ICD_FILENAMES;
    delete env.DISCERN_DAWN_NODE;
    const r = spawnSync(join(empty, 'dist-gpu/run.sh'), [out, '--quick', 'counts'], { cwd: empty, env, encoding: 'utf8', timeout: 400_000 });
    const log = `${r.stdout}\n${r.stderr}`;
    expect(r.status, `run.sh: exit ${r.status}\n${log}`).toBe(0);
    expect(log).toMatch(/Vulkan: libvulkan1 from libvulkan1_.*\.deb; ICD \S*\/swiftshader\/vk_swiftshader_icd\.json \(no NVIDIA ICD found/);
    expect(readFileSync(join(out, 'status.txt'), 'utf8').trim()).toBe('counts: exit 0');
    const summary = readFileSync(join(out, 'summary.txt'), 'utf8');
    expect(summary).toMatch(/adapter: google swiftshader/i);
    expect(summary).toMatch(/VladVA step K=8 chunk 4\s+\d+\s+1\s+0\s/); // dispatches, 1 submit, 0 buffers created
    const res = JSON.parse(readFileSync(join(out, 'counts-quick.json'), 'utf8')) as CountsResult;
    expect(res.rows.length).toBe(3);
    expect(res.pool[0].afterLast).toEqual(res.pool[0].afterStep1);
    expect(readdirSync(out).sort()).toEqual(['counts-quick.json', 'run.log', 'status.txt', 'summary.txt']);
    expect(existsSync(join(empty, 'dist-gpu', 'node'))).toBe(false); // unpacked into a temp dir, not into the folder
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}, 720_000);
