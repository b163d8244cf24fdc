// Peak GPU memory of the VladVA contrastive step (src/engine/train/vladva_step.ts) on the tiny
// model public/models/tiny-random/ with gradient caching (chunk 16) vs without (chunk = the
// whole batch), for batches of 64 and 256. Setup as in vladva_step.gpu.test.ts: LoRA r 4 on
// all 7 linears, short captions only (the contrastive term is what scales with the batch).
// Peak = ctx.pool.peakLiveBytes during step.run (reset at its start): includes the weights,
// the trainables and the batch's vision features, which are the same in both columns.
import { GpuContext } from '../../../src/engine/gpu/context.ts';
import { DEFAULT_LOG_TAU } from '../../../src/engine/kernels/loss/infonce.ts';
import { adapterTensors } from '../../../src/engine/model/vlm/adapters.ts';
import { Vlm } from '../../../src/engine/model/vlm/vlm.ts';
import { collectTrainables, releaseTrainables } from '../../../src/engine/train/params.ts';
import { VladvaStep, type StepConfig } from '../../../src/engine/train/vladva_step.ts';
import { randn } from '../../../src/engine/util/random.ts';
import { benchModelFolder } from '../model-folder.ts';

export interface MemoryRow {
  batch: number;
  chunk: number;
  peakBytes: number;
  ms: number;
  loss: number;
}

const COLOURS = ['red', 'green', 'blue', 'yellow'];
const SHAPES = ['cube', 'ball', 'triangle'];
const CFG: StepConfig = {
  lambdaContrastive: 1, lambdaNextToken: 1, chunkSize: 16, maxGradNorm: 1e9, lr: 1e-3,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, maxLongTokens: 40,
};

export async function measureVladvaMemory(
  plan: readonly { batch: number; chunks: number[] }[], log: (l: string) => void,
): Promise<{ rows: MemoryRow[]; model: string }> {
  const ctx = await GpuContext.create();
  const vlm = await Vlm.load(ctx, await benchModelFolder('tiny-random'), { seed: 4, lora: { rank: 4, alpha: 8, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } });
  try {
    adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 200 + i, 0.05)));
    const logTau = ctx.upload(new Float32Array([DEFAULT_LOG_TAU]), [1], 'logTau');
    const trainables = collectTrainables(ctx, vlm, logTau, false);
    const step = new VladvaStep(ctx, vlm, trainables, logTau);
    const rows: MemoryRow[] = [];
    let stepNo = 0;
    for (const { batch: K, chunks } of plan) {
      const H = vlm.dims.hidden;
      const features = ctx.upload(randn(K * vlm.tokensPerImage * H, 3 + K), [K, vlm.tokensPerImage, H], 'features');
      const shortCaptions = Array.from({ length: K }, (_, i) => `a ${COLOURS[i % 4]} ${SHAPES[(i >> 2) % 3]}`);
      for (const chunk of chunks) {
        await ctx.sync();
        const t0 = performance.now();
        const m = await step.run({ features, shortCaptions, longCaptions: shortCaptions.map(() => null) }, { ...CFG, chunkSize: chunk }, ++stepNo);
        rows.push({ batch: K, chunk, peakBytes: m.peakBytes, ms: performance.now() - t0, loss: m.loss });
        log(`vladva memory: batch ${K} chunk ${chunk}: peak ${(m.peakBytes / 2 ** 20).toFixed(1)} MiB (${(performance.now() - t0).toFixed(0)} ms)`);
      }
      ctx.release(features);
    }
    step.dispose();
    releaseTrainables(ctx, trainables);
    ctx.release(logTau);
    return { rows, model: `tiny-random (hidden ${vlm.dims.hidden}, ${vlm.dims.layers} layers, ${vlm.tokensPerImage} image tokens), LoRA r4 all linears, contrastive only` };
  } finally {
    vlm.dispose();
    ctx.destroy();
  }
}
