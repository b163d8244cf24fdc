// Suite "counts": what one VladVA training step and one embedding batch ask of the GPU API —
// dispatches, submits, buffer creations, bytes uploaded / read back, reads, JS encode time
// (ctx.counters, src/engine/gpu/counters.ts) — plus the pool's live buffers/bytes after step 1
// and after the last step (equal = no per-step leak). Machine-independent except encode ms:
// the figures a real GPU pays per step in driver overhead, whatever its speed.
//   models: the bundled discern-tiny (public/models) and, without --quick, a SmolVLM-256M-shaped
//   model built in memory (scripts/tiny-model preset, full width and vocabulary, 2 layers).
//   step: VladvaStep.run (src/engine/train/vladva_step.ts) with LoRA r16 on all 7 linears, soft
//   prompts, long captions on 2 of 3 images, K images per batch in chunks of K/2 (default); counted on
//   step 2 (step 1 compiles pipelines and fills the pool). embed: vlm.embedTexts / embedImages
//   of K items + the readback of the [K,H] result, counted on the second call.
import { formatCounts } from '../../../src/engine/gpu/counters.ts';
import { GpuContext } from '../../../src/engine/gpu/context.ts';
import { DEFAULT_LOG_TAU } from '../../../src/engine/kernels/loss/infonce.ts';
import { folderFromMap, type ModelFolder } from '../../../src/engine/model/io/folder.ts';
import { Vlm } from '../../../src/engine/model/vlm/vlm.ts';
import { collectTrainables, releaseTrainables } from '../../../src/engine/train/params.ts';
import { VladvaStep, type StepConfig } from '../../../src/engine/train/vladva_step.ts';
import { randn } from '../../../src/engine/util/random.ts';
import type { BenchOptions } from '../types.ts';
import type { CountsResult, CountsRow, PoolState } from './result.ts';
import { benchModelFolder } from '../model-folder.ts';

const COLOURS = ['red', 'green', 'blue', 'yellow'];
const SHAPES = ['cube', 'ball', 'triangle'];
export const COUNTS_STEP: StepConfig = {
  lambdaContrastive: 1, lambdaNextToken: 1, chunkSize: 4, maxGradNorm: 1, lr: 1e-4,
  beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.01, maxLongTokens: 40,
};

export interface CountsModel {
  name: string;
  folder: () => Promise<ModelFolder>;
  /** Images (and short captions) per batch. */
  K: number;
  /** Replay chunk (default K/2). */
  chunk?: number;
  /** Steps run in all (the pool is compared after step 1 and after the last). */
  steps: number;
}

async function smolvlm256Folder(): Promise<ModelFolder> {
  // scripts/tiny-model is Node/browser-neutral TS (no fs): the folder is built in memory
  const { presetOptions } = await import('../../tiny-model/presets.ts');
  const { buildTinyModel } = await import('../../tiny-model/tiny-model.ts');
  const m = buildTinyModel(presetOptions('smolvlm-256m', { layers: 2 }));
  return folderFromMap('smolvlm-256m-L2', new Map(Object.entries(m.files)));
}

export function countsModels(quick: boolean): CountsModel[] {
  const tiny: CountsModel = { name: 'discern-tiny', folder: () => benchModelFolder('discern-tiny'), K: 8, steps: quick ? 3 : 10 };
  if (quick) return [tiny];
  // 2 steps: step 1 warms, step 2 is counted and the pool compared after it (≈ 5 min a step on SwiftShader)
  return [tiny, { name: 'smolvlm-256m (2 of 30 layers)', folder: smolvlm256Folder, K: 4, steps: 2 }];
}

const poolState = (ctx: GpuContext): PoolState => ({ liveBuffers: ctx.pool.liveBuffers, liveBytes: ctx.pool.liveBytes, pooledBytes: ctx.pool.liveBytes + ctx.pool.freeBytes });

/** Counts of one model; also used by the leak test (scripts/node/counts.dawn.test.ts). */
export async function countModel(
  ctx: GpuContext, m: CountsModel, log: (l: string) => void,
): Promise<{ rows: CountsRow[]; pool: CountsResult['pool'][number] }> {
  const vlm = await Vlm.load(ctx, await m.folder(), { seed: 4, lora: { rank: 16, alpha: 16, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } });
  const logTau = ctx.upload(new Float32Array([DEFAULT_LOG_TAU]), [1], 'logTau');
  const trainables = collectTrainables(ctx, vlm, logTau, false);
  const step = new VladvaStep(ctx, vlm, trainables, logTau);
  const rows: CountsRow[] = [];
  try {
    const { K } = m, H = vlm.dims.hidden;
    const features = ctx.upload(randn(K * vlm.tokensPerImage * H, 11), [K, vlm.tokensPerImage, H], 'features');
    const shortCaptions = Array.from({ length: K }, (_, i) => `a ${COLOURS[i % 4]} ${SHAPES[(i >> 2) % 3]}`);
    const longCaptions = shortCaptions.map((s, i) => (i % 3 === 2 ? null : `${s} sits on the left of a small grey square, above a large green ball`));
    const batch = { features, shortCaptions, longCaptions };
    const cfg = { ...COUNTS_STEP, chunkSize: m.chunk ?? Math.max(1, K / 2) };
    const measure = async <T>(unit: string, f: () => Promise<T>) => {
      await ctx.sync();
      const c0 = ctx.counters.snapshot(), k0 = ctx.counters.kernelSnapshot(), t0 = performance.now();
      const out = await f();
      await ctx.sync();
      const row = { model: m.name, unit, counts: ctx.counters.since(c0), ms: performance.now() - t0, kernels: ctx.counters.kernelsSince(k0) };
      rows.push(row);
      log(`counts: ${m.name}, ${unit}: ${formatCounts(row.counts)} (${row.ms.toFixed(0)} ms)`);
      return out;
    };
    let stepNo = 0;
    await step.run(batch, cfg, ++stepNo);
    await ctx.sync();
    const afterStep1 = poolState(ctx);
    await measure(`VladVA step K=${K} chunk ${cfg.chunkSize}`, () => step.run(batch, cfg, ++stepNo));
    while (stepNo < m.steps) await step.run(batch, cfg, ++stepNo);
    await ctx.sync();
    const afterLast = poolState(ctx);
    const texts = shortCaptions;
    const embedOnce = async (f: () => ReturnType<Vlm['embedTexts']>) => { const e = f(); await ctx.read(e); ctx.release(e); };
    await embedOnce(() => vlm.embedTexts(texts));
    await measure(`embed ${K} texts`, () => embedOnce(() => vlm.embedTexts(texts)));
    await embedOnce(() => vlm.embedImages(features, K));
    await measure(`embed ${K} images`, () => embedOnce(() => vlm.embedImages(features, K)));
    ctx.release(features);
    return { rows, pool: { model: m.name, steps: m.steps, afterStep1, afterLast } };
  } finally {
    step.dispose();
    releaseTrainables(ctx, trainables);
    ctx.release(logTau);
    vlm.dispose();
  }
}

export async function runCountsSuite(opts: BenchOptions, log: (l: string) => void): Promise<CountsResult> {
  const started = performance.now(), startedAt = new Date().toISOString();
  const rows: CountsRow[] = [];
  const pool: CountsResult['pool'] = [];
  let adapter = '';
  for (const m of countsModels(opts.quick)) {
    log(`counts: ${m.name}…`);
    const ctx = await GpuContext.create();
    const a = ctx.caps.adapter;
    adapter = [a.vendor, a.architecture, a.description].filter((s) => s).join(' ');
    try {
      const r = await countModel(ctx, m, log);
      rows.push(...r.rows);
      pool.push(r.pool);
    } finally {
      ctx.destroy();
    }
  }
  return { suite: 'counts', quick: opts.quick, userAgent: navigator.userAgent, adapter, startedAt, durationMs: performance.now() - started, rows, pool };
}
