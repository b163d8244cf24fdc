// Pretraining page (scripts/pretrain/pretrain.html), driven by pretrain.ts through
// page.evaluate. Installs window.__discernPretrain.run(files, options):
//  * files: the initial model folder as { path: base64 } (built in Node, model-files.ts);
//  * progress: every step is handed to window.__discernPretrainProgress (exposed by Node);
//  * checkpoints: every `checkpointEvery` steps (and at `stopAfter`) the weights and the
//    trainer state (AdamW moments, step, …) go to __discernPretrainCheckpoint;
//  * resume (optional third argument): the trainer state of a checkpoint whose weights are in
//    `files` (run.ts PretrainTrainerState, moments base64-encoded);
//  * result: the final checkpoint (weights + state), held-out loss, greedy sample captions,
//    the training time and whether stopAfter ended it.
// Tensors travel as { HF name: base64 of little-endian f32 }.
import { GpuContext } from '../../src/engine/gpu/context.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import {
  runPretrain, type PretrainCheckpoint, type PretrainOptions, type PretrainProgress, type PretrainSample, type PretrainTrainerState,
} from '../../src/engine/train/pretrain/run.ts';

export type EncodedMoments = Record<string, { m: string; v: string }>;
export interface EncodedResume extends Omit<PretrainTrainerState, 'moments'> { moments: EncodedMoments }
export interface EncodedCheckpoint extends Omit<PretrainCheckpoint, 'moments' | 'weights'> {
  weights: Record<string, string>;
  moments: EncodedMoments;
}

export interface PageResult {
  checkpoint: EncodedCheckpoint;
  evalLoss: number | null;
  samples: PretrainSample[];
  trainMs: number;
  stopped: boolean;
}

declare global {
  interface Window {
    __discernPretrain?: { run(files: Record<string, string>, o: PretrainOptions, resume?: EncodedResume): Promise<PageResult> };
    __discernPretrainProgress?: (p: PretrainProgress) => Promise<void>;
    __discernPretrainCheckpoint?: (c: EncodedCheckpoint) => Promise<void>;
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

const f32 = (s: string) => {
  const b = fromB64(s);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

function encodeCheckpoint(c: PretrainCheckpoint): EncodedCheckpoint {
  return {
    ...c, weights: Object.fromEntries([...c.weights].map(([k, v]) => [k, toB64(v)])),
    moments: Object.fromEntries([...c.moments].map(([k, { m, v }]) => [k, { m: toB64(m), v: toB64(v) }])),
  };
}

window.__discernPretrain = {
  async run(files, o, resume) {
    const ctx = await GpuContext.create();
    try {
      const folder = folderFromMap(resume ? `discern-tiny (step ${resume.step})` : 'discern-tiny (initial)',
        Object.fromEntries(Object.entries(files).map(([k, v]) => [k, fromB64(v)])));
      const state = resume && {
        ...resume, moments: new Map(Object.entries(resume.moments).map(([k, { m, v }]) => [k, { m: f32(m), v: f32(v) }])),
      };
      const r = await runPretrain(ctx, folder, { ...o, resume: state }, (p) => void window.__discernPretrainProgress?.(p),
        async (c) => window.__discernPretrainCheckpoint?.(encodeCheckpoint(c)));
      return { checkpoint: encodeCheckpoint(r.checkpoint), evalLoss: r.evalLoss, samples: r.samples, trainMs: r.trainMs, stopped: r.stopped };
    } finally {
      ctx.destroy();
    }
  },
};
console.log('pretrain page ready');
