// caption-eval page (caption-eval.html), driven by caption-eval.ts through page.evaluate.
// window.__discernCaptionEval.run(files, n, maxNewTokens, start): loads the model folder (files:
// { path: base64 }) without LoRA, and greedily captions the first n held-out TEST scenes of
// syntheticBenchmark() with pretraining's own path (run.ts greedyCaptions; `start` = the forced
// first word of --form long/short, '' = free); each caption is
// also handed to window.__discernCaptionEvalProgress(i, text) as it is done.
// window.__discernCaptionEval.probe(files, n, wino): the same model's log p(caption | image) for the
// generative probes (generative-probe.ts, src/engine/eval/caption_likelihood.ts).
import { GpuContext } from '../../src/engine/gpu/context.ts';
import type { PreprocessorConfig } from '../../src/engine/data/preprocess.ts';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { isVisionWeight, loadWeights } from '../../src/engine/model/io/weights.ts';
import { releaseVisionWeights, uploadVisionWeights } from '../../src/engine/model/vision/weights.ts';
import { Vlm } from '../../src/engine/model/vlm/vlm.ts';
import { greedyCaptions, towerFeatures } from '../../src/engine/train/pretrain/run.ts';
import { scenePixels } from '../../src/engine/train/pretrain/data.ts';
import { captionLogProbs } from '../../src/engine/eval/caption_likelihood.ts';
import type { SugarCrepeCategory } from '../../src/engine/data/dataset.ts';
import type { Scene } from '../../src/engine/data/synthetic/scene.ts';
import type { GenerativeProbeRun } from './generative-score.ts';

declare global {
  interface Window {
    __discernCaptionEval?: {
      run(files: Record<string, string>, n: number, maxNewTokens: number, start: string): Promise<string[]>;
      /** Generative probes (generative-probe.ts): log p(caption | image) of the first n test scenes' captions and hard
       * negatives, and of both captions with both images of the first `wino` winoground pairs. */
      probe(files: Record<string, string>, n: number, wino: number): Promise<GenerativeProbeRun>;
    };
    __discernCaptionEvalProgress?: (i: number, text: string) => Promise<void>;
  }
}

function fromB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The folder's model without LoRA (base weights only), its vision tower and preprocessing. */
async function loadBase(ctx: GpuContext, files: Record<string, string>) {
  const folder = folderFromMap('model', Object.fromEntries(Object.entries(files).map(([k, v]) => [k, fromB64(v)])));
  const vlm = await Vlm.load(ctx, folder, { lora: null });
  vlm.useAdapters = false;
  const pre = await folder.readJson<PreprocessorConfig>('preprocessor_config.json');
  const vision = uploadVisionWeights(ctx, vlm.config, await loadWeights(folder, vlm.config, { only: isVisionWeight }));
  return { vlm, pre, vision, dispose: () => { releaseVisionWeights(ctx, vision); vlm.dispose(); } };
}

window.__discernCaptionEval = {
  async run(files, n, maxNewTokens, start) {
    const ctx = await GpuContext.create();
    try {
      const { vlm, pre, vision, dispose } = await loadBase(ctx, files);
      try {
        return await greedyCaptions(ctx, vlm, vision, syntheticBenchmark().test.slice(0, n), pre, maxNewTokens,
          (i, t) => void window.__discernCaptionEvalProgress?.(i, t), start);
      } finally {
        dispose();
      }
    } finally {
      ctx.destroy();
    }
  },

  async probe(files, n, wino) {
    const ctx = await GpuContext.create();
    try {
      const { vlm, pre, vision, dispose } = await loadBase(ctx, files);
      try {
        const bench = syntheticBenchmark();
        const score = async (scene: Scene, captions: string[]) => {
          const extra = towerFeatures(ctx, vlm, vision, [scenePixels(scene, pre)]);
          try {
            return await captionLogProbs(vlm, extra, captions);
          } finally {
            ctx.release(extra);
          }
        };
        const scenes: GenerativeProbeRun['scenes'] = [];
        for (const s of bench.test.slice(0, n)) {
          const cats = (Object.keys(s.negatives) as SugarCrepeCategory[]).filter((c) => s.negatives[c] !== undefined);
          const sc = await score(s.scene, [s.caption, ...cats.map((c) => s.negatives[c]!)]);
          scenes.push({ id: s.id, pos: sc[0], neg: Object.fromEntries(cats.map((c, i) => [c, sc[i + 1]])) });
          void window.__discernCaptionEvalProgress?.(scenes.length - 1, s.id);
        }
        const pairs: GenerativeProbeRun['pairs'] = [];
        for (const p of bench.winoground.slice(0, wino)) {
          const byImage = [await score(p.scenes[0].scene, [...p.captions]), await score(p.scenes[1].scene, [...p.captions])];
          pairs.push({ id: p.id, kind: p.kind, scores: byImage });
        }
        return { scenes, pairs };
      } finally {
        dispose();
      }
    } finally {
      ctx.destroy();
    }
  },
};
console.log('caption-eval page ready');
