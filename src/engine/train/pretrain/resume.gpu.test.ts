// Exact resume of a pretraining run (run.ts): on a tiny model over 3 train scenes (6 items
// per epoch) with batch 4, 5 steps in one go give the SAME bits as 2 steps, a checkpoint
// (weights as the folder + AdamW moments + update count) and a resumed run of the last 3 —
// the cut falls inside epoch 1 and the resumed steps cross two more epoch boundaries. The
// per-step losses of the resumed steps equal the uninterrupted ones; `stopAfter` hands over
// the same checkpoint as `checkpointEvery`; a state that does not fit the model is refused.
import { describe, expect, test } from 'vitest';
import { buildTinyModel } from '../../../../scripts/tiny-model/tiny-model.ts';
import { useGpu } from '../../testing/gpu.ts';
import { folderFromMap } from '../../model/io/folder.ts';
import { writeSafetensors, type TensorToWrite } from '../../model/io/safetensors.ts';
import { expectedWeights } from '../../model/io/weights.ts';
import { runPretrain, type PretrainCheckpoint, type PretrainOptions, type PretrainProgress } from './run.ts';

const OPTS: PretrainOptions = {
  steps: 5, batch: 4, lr: 1e-2, warmupSteps: 2, minLrRatio: 0.1, weightDecay: 0.01, maxGradNorm: 1, maxLongTokens: 16,
  seed: 7, trainScenes: 3, evalScenes: 0, samples: 0, sampleTokens: 4,
};

describe('pretraining resume (GPU)', () => {
  const gpu = useGpu();

  test('5 steps in one go == 2 steps + checkpoint + resume for 3, bitwise, across epoch boundaries', async () => {
    const ctx = gpu();
    const m = buildTinyModel({ seed: 3 });
    const folderWith = (w?: Map<string, Float32Array>) => {
      if (!w) return folderFromMap('init', m.files);
      const tensors: Record<string, TensorToWrite> = {};
      for (const s of expectedWeights(m.config)) tensors[s.name] = { dtype: 'F32', shape: s.shape, data: w.get(s.name)! };
      return folderFromMap('checkpoint', { ...m.files, 'model.safetensors': writeSafetensors(tensors) });
    };
    const fullSteps: PretrainProgress[] = [];
    const cks: PretrainCheckpoint[] = [];
    const full = await runPretrain(ctx, folderWith(), { ...OPTS, checkpointEvery: 2 }, (p) => fullSteps.push(p), async (c) => void cks.push(c));
    expect(cks.map((c) => c.step)).toEqual([2, 4]);
    expect([cks[0].epoch, cks[0].epochPosition]).toEqual([1, 2]); // 8 items of 6 per epoch
    expect(full.stopped).toBe(false);
    expect(full.checkpoint.step).toBe(5);

    const stopped = await runPretrain(ctx, folderWith(), { ...OPTS, stopAfter: 2 }, () => {}, async () => {});
    expect(stopped.stopped).toBe(true);
    expect(stopped.checkpoint.step).toBe(2);
    for (const [name, w] of cks[0].weights) expect(stopped.checkpoint.weights.get(name), name).toEqual(w);
    for (const [name, mv] of cks[0].moments) expect(stopped.checkpoint.moments.get(name), name).toEqual(mv);

    const resumedSteps: PretrainProgress[] = [];
    const resumed = await runPretrain(ctx, folderWith(stopped.checkpoint.weights), { ...OPTS, resume: stopped.checkpoint },
      (p) => resumedSteps.push(p));
    expect(resumedSteps.map((p) => p.step)).toEqual([3, 4, 5]);
    expect(resumedSteps.map((p) => p.loss)).toEqual(fullSteps.slice(2).map((p) => p.loss));
    expect(resumed.weights.size).toBe(full.weights.size);
    let changed = 0;
    for (const [name, w] of full.weights) {
      expect(resumed.weights.get(name), `${name} after resume`).toEqual(w);
      if (w.some((x, i) => x !== cks[0].weights.get(name)![i])) changed++;
    }
    expect(changed).toBe(full.weights.size); // the resumed steps did train every tensor
    for (const [name, mv] of full.checkpoint.moments) expect(resumed.checkpoint.moments.get(name), name).toEqual(mv);

    const bad = { ...stopped.checkpoint, moments: new Map([...stopped.checkpoint.moments].slice(1)) };
    await expect(runPretrain(ctx, folderWith(stopped.checkpoint.weights), { ...OPTS, resume: bad }, () => {}))
      .rejects.toThrow(/saved optimizer state does not match the model \(missing model\./);
  });
});
