// Bundle entry of frozen-memory.ts --measure: on Dawn, load each folder with frozen weights
// decoded to f32 and kept in their stored precision; print the pool's accounting.
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { Vlm } from '../../src/engine/model/vlm/vlm.ts';
import { collectTrainables, releaseTrainables } from '../../src/engine/train/params.ts';
import { VladvaStep } from '../../src/engine/train/vladva_step.ts';
import { randn } from '../../src/engine/util/random.ts';
import { estimateTrainingMemory, memoryModelFromConfig } from '../../src/shared/memory.ts';
import { installDawn, uninstallDawn } from '../node/dawn.ts';
import { folderFromDir } from '../node/folder-node.ts';

const MB = (b: number) => `${(b / 1e6).toFixed(1)} MB`;

/** DISCERN_MEMORY_TIME=1: seconds of 4 text embeddings and one VladVA step (batch 2, a long
 * caption through the 49280-row head) — an A/B of packed vs f32 weights in the same conditions. */
async function time(vlm: Vlm, precision: string): Promise<void> {
  const texts = ['a red cube left of a blue ball', 'a small green triangle', 'two yellow spheres', 'a grey square'];
  await ctx.read(vlm.embedTexts(texts)); // warm-up: pipeline compiles
  let t0 = performance.now();
  await ctx.read(vlm.embedTexts(texts));
  const embedS = (performance.now() - t0) / 1000;
  const H = vlm.dims.hidden;
  const features = ctx.upload(randn(2 * vlm.tokensPerImage * H, 1), [2, vlm.tokensPerImage, H], 'features');
  const logTau = ctx.upload(new Float32Array([Math.log(0.05)]), [1], 'logTau');
  const tr = collectTrainables(ctx, vlm, logTau, false);
  const step = new VladvaStep(ctx, vlm, tr, logTau);
  const cfg = { lambdaContrastive: 1, lambdaNextToken: 1, chunkSize: 2, maxGradNorm: 1, lr: 1e-4, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxLongTokens: 64 };
  const batch = { features, shortCaptions: ['a red cube', 'a blue ball'], longCaptions: ['a red cube sits on the left of a small grey square, above a large green ball near a yellow triangle', null] };
  await step.run(batch, cfg, 1, { apply: false }); // warm-up
  t0 = performance.now();
  await step.run(batch, cfg, 1, { apply: false });
  console.log(`    ${precision}: 4 text embeddings ${embedS.toFixed(2)} s, one VladVA step ${((performance.now() - t0) / 1000).toFixed(2)} s`);
  releaseTrainables(ctx, tr);
  ctx.release(features, logTau);
}
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
    const vlm = await Vlm.load(ctx, folder, { frozenPrecision: precision, lora: process.env.DISCERN_MEMORY_TIME ? undefined : null });
    const f = vlm.frozenBytes();
    const dtypes = [...new Set(vlm.frozenTensors().map((t) => t.dtype))].join('+');
    console.log(`  ${dir.split('/').pop()} ${precision.padEnd(6)}: frozen decoder ${MB(f.bytes)} (pool buffers ${MB(f.pooled)}, ${dtypes}), `
      + `pool live +${MB(ctx.pool.liveBytes - before)}, embed parts ${vlm.weights.embed.parts?.length ?? 1}, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    if (process.env.DISCERN_MEMORY_TIME) await time(vlm, precision);
    vlm.dispose();
    ctx.pool.trim();
  }
}
ctx.destroy();
uninstallDawn();
