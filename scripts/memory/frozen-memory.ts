// `npx tsx scripts/memory/frozen-memory.ts [--measure DIR …]`: the frozen-weight memory figures
// of docs/PERFORMANCE.md.
//   * always: the estimate (src/shared/memory.ts) for the smolvlm-256m / smolvlm-500m presets —
//     frozen decoder bytes on the GPU as f32 (before: decoded on load) and packed bf16 (now),
//     and the whole training estimate at the default recipe (batch 64, chunk 16, 256 long tokens);
//   * --measure DIR: loads that model folder on Dawn in Node twice (frozenPrecision 'f32' and
//     'stored') and prints what the pool holds for the frozen weights (Vlm.frozenBytes) and the
//     pool's live bytes after each load. Bundled with build.ts (the kernels import WGSL ?raw).
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { presetOptions } from '../tiny-model/presets.ts';
import { tinyConfigJson } from '../tiny-model/tiny-model.ts';
import { estimateTrainingMemory, fmtGB, memoryModelFromConfig } from '../../src/shared/memory.ts';
import { DEFAULT_TRAIN_CONFIG } from '../../src/shared/train_config.ts';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

const c = DEFAULT_TRAIN_CONFIG;
console.log(`estimate (src/shared/memory.ts), batch ${c.batchSize}, chunk ${c.chunkSize}, ${c.maxLongTokens} long tokens, LoRA r=${c.lora.rank} on ${c.lora.modules.length} modules`);
for (const name of ['smolvlm-256m', 'smolvlm-500m'] as const) {
  for (const tied of [false, true]) {
    const m = memoryModelFromConfig(tinyConfigJson(presetOptions(name, { tied }), 49280, {}))!;
    const plan = { batchSize: c.batchSize, chunkSize: c.chunkSize, maxLongTokens: c.maxLongTokens, lora: c.lora };
    const e = estimateTrainingMemory(m, plan);
    const r = estimateTrainingMemory(m, { ...plan, activations: 'recompute' });
    console.log(`  ${name}${tied ? ' (tied)' : ''}: frozen decoder f32 ${MB(e.frozenF32Bytes)} → bf16 ${MB(e.frozenBytes)}; `
      + `embed table ${MB(e.embedTableBytes)}; training total ≈ ${fmtGB(e.totalBytes)} (recompute ≈ ${fmtGB(r.totalBytes)})`);
  }
}

const dirs = process.argv.slice(2).flatMap((a, i, all) => (all[i - 1] === '--measure' ? [resolve(a)] : []));
if (dirs.length) {
  const { bundleNode } = await import('../node/build.ts');
  const { outfile } = await bundleNode({ entry: join(ROOT, 'scripts/memory/measure-node.ts'), outfile: join(ROOT, 'node_modules/.cache/discern-memory/measure.mjs') });
  const r = spawnSync(process.execPath, [outfile, ...dirs], { stdio: 'inherit', env: { ...process.env, DISCERN_REPO_ROOT: ROOT } });
  process.exit(r.status ?? 1);
}
