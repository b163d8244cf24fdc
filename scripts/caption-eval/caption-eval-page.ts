// caption-eval page (caption-eval.html), driven by caption-eval.ts through page.evaluate.
// window.__discernCaptionEval.run(files, n, maxNewTokens, start): loads the model folder (files:
// { path: base64 }) without LoRA, and greedily captions the first n held-out TEST scenes of
// syntheticBenchmark() with pretraining's own path (run.ts greedyCaptions; `start` = the forced
// first word of --form long/short, '' = free); each caption is
// also handed to window.__discernCaptionEvalProgress(i, text) as it is done.
import { GpuContext } from '../../src/engine/gpu/context.ts';
import type { PreprocessorConfig } from '../../src/engine/data/preprocess.ts';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { isVisionWeight, loadWeights } from '../../src/engine/model/io/weights.ts';
import { releaseVisionWeights, uploadVisionWeights } from '../../src/engine/model/vision/weights.ts';
import { Vlm } from '../../src/engine/model/vlm/vlm.ts';
import { greedyCaptions } from '../../src/engine/train/pretrain/run.ts';

declare global {
  interface Window {
    __discernCaptionEval?: { run(files: Record<string, string>, n: number, maxNewTokens: number, start: string): Promise<string[]> };
    __discernCaptionEvalProgress?: (i: number, text: string) => Promise<void>;
  }
}

function fromB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

window.__discernCaptionEval = {
  async run(files, n, maxNewTokens, start) {
    const ctx = await GpuContext.create();
    try {
      const folder = folderFromMap('model', Object.fromEntries(Object.entries(files).map(([k, v]) => [k, fromB64(v)])));
      const vlm = await Vlm.load(ctx, folder, { lora: null });
      vlm.useAdapters = false;
      const pre = await folder.readJson<PreprocessorConfig>('preprocessor_config.json');
      const vision = uploadVisionWeights(ctx, vlm.config, await loadWeights(folder, vlm.config, { only: isVisionWeight }));
      try {
        return await greedyCaptions(ctx, vlm, vision, syntheticBenchmark().test.slice(0, n), pre, maxNewTokens,
          (i, t) => void window.__discernCaptionEvalProgress?.(i, t), start);
      } finally {
        releaseVisionWeights(ctx, vision);
        vlm.dispose();
      }
    } finally {
      ctx.destroy();
    }
  },
};
console.log('caption-eval page ready');
