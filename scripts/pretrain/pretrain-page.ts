// Pretraining page (scripts/pretrain/pretrain.html), driven by pretrain.ts through
// page.evaluate. Installs window.__discernPretrain.run(files, options):
//  * files: the initial model folder as { path: base64 } (built in Node, model-files.ts);
//  * progress: every step is handed to window.__discernPretrainProgress (exposed by Node);
//  * checkpoints: every `checkpointEvery` steps the weights go to __discernPretrainCheckpoint;
//  * result: trained weights as { HF name: base64 of little-endian f32 }, held-out loss,
//    greedy sample captions and the training time.
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { runPretrain, type PretrainOptions, type PretrainProgress, type PretrainSample } from '../../src/engine/train/pretrain/run.ts';

export interface PageResult {
  weights: Record<string, string>;
  evalLoss: number | null;
  samples: PretrainSample[];
  trainMs: number;
}

declare global {
  interface Window {
    __discernPretrain?: { run(files: Record<string, string>, o: PretrainOptions): Promise<PageResult> };
    __discernPretrainProgress?: (p: PretrainProgress) => Promise<void>;
    __discernPretrainCheckpoint?: (step: number, weights: Record<string, string>) => Promise<void>;
  }
}

function fromB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

function toB64(a: Float32Array): string {
  const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

window.__discernPretrain = {
  async run(files, o) {
    const ctx = await GpuContext.create();
    try {
      const folder = folderFromMap('discern-tiny (initial)', Object.fromEntries(Object.entries(files).map(([k, v]) => [k, fromB64(v)])));
      const encode = (w: Map<string, Float32Array>) => Object.fromEntries([...w].map(([k, v]) => [k, toB64(v)]));
      const r = await runPretrain(ctx, folder, o, (p) => void window.__discernPretrainProgress?.(p),
        async (step, w) => window.__discernPretrainCheckpoint?.(step, encode(w)));
      return { weights: encode(r.weights), evalLoss: r.evalLoss, samples: r.samples, trainMs: r.trainMs };
    } finally {
      ctx.destroy();
    }
  },
};
console.log('pretrain page ready');
