// Bundle entry of frozen-memory.ts --measure: on Dawn, load each folder with frozen weights
// decoded to f32 and kept in their stored precision; print the pool's accounting.
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { Vlm } from '../../src/engine/model/vlm/vlm.ts';
import { estimateTrainingMemory, memoryModelFromConfig } from '../../src/shared/memory.ts';
import { installDawn, uninstallDawn } from '../node/dawn.ts';
import { folderFromDir } from '../node/folder-node.ts';

const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;
await installDawn();
const ctx = await GpuContext.create();
console.log(`measured on ${ctx.caps.adapter.vendor} ${ctx.caps.adapter.description} (binding limit ${MB(ctx.caps.limits.maxStorageBufferBindingSize)})`);
for (const dir of process.argv.slice(2)) {
  const folder = await folderFromDir(dir);
  const e = estimateTrainingMemory(memoryModelFromConfig(await folder.readJson('config.json'))!, { batchSize: 64, chunkSize: 16, maxLongTokens: 256, lora: { rank: 16, modules: [] } });
  console.log(`  ${dir.split('/').pop()} estimate: frozen decoder f32 ${MB(e.frozenF32Bytes)} → stored ${MB(e.frozenBytes)}`);
  for (const precision of ['f32', 'stored'] as const) {
    const before = ctx.pool.liveBytes;
    const t0 = performance.now();
    const vlm = await Vlm.load(ctx, folder, { frozenPrecision: precision, lora: null });
    const f = vlm.frozenBytes();
    const dtypes = [...new Set(vlm.frozenTensors().map((t) => t.dtype))].join('+');
    console.log(`  ${dir.split('/').pop()} ${precision.padEnd(6)}: frozen decoder ${MB(f.bytes)} (pool buffers ${MB(f.pooled)}, ${dtypes}), `
      + `pool live +${MB(ctx.pool.liveBytes - before)}, embed parts ${vlm.weights.embed.parts?.length ?? 1}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    vlm.dispose();
    ctx.pool.trim();
  }
}
ctx.destroy();
uninstallDawn();
