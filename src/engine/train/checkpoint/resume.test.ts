// Resume of the data order through a stored checkpoint, with the REAL DataOrder (trainer/order.ts)
// — not a copy of the trainer's loop. For every split point k, N batches drawn straight equal
// k batches, cursor → saveCheckpoint → loadCheckpoint → DataOrder.fromCursor, N − k more batches,
// crossing several epoch boundaries (incl. a split right before and right at one).
// The whole trainer (Vlm, GPU step, AdamW moments, schedule, IndexedDB) is resumed in
// trainer/trainer.resume.browser.test.ts; this is the cheap Node check of the same cursor.
import { describe, expect, test } from 'vitest';
import { Rng } from '../rng.ts';
import { DataOrder } from '../trainer/order.ts';
import { memoryKeyValueStore } from './kv.ts';
import { loadCheckpoint, saveCheckpoint } from './store.ts';
import { randomAdapters, TINY_DIMS } from './test_fixture.ts';
import type { TrainingCheckpoint } from './types.ts';

const SIZE = 10, BATCH = 4, SEED = 2024, N = 9; // 2 batches per epoch (drop-last) → 4+ epochs

/** A minimal valid checkpoint carrying the order's cursor (the trainer stores the same fields). */
function record(order: DataOrder, step: number): TrainingCheckpoint {
  const initRng = Rng.fromSeed(SEED, 1);
  return {
    format: 'discern-checkpoint', version: 1, createdAt: '2026-01-01T00:00:00.000Z', runId: 'resume', step,
    modelId: 'tiny', config: { seed: SEED, batchSize: BATCH },
    adapters: randomAdapters(TINY_DIMS, 1, initRng),
    softPrompts: { hidden: 8, image: initRng.fillNormal(new Float32Array(16)), text: initRng.fillNormal(new Float32Array(24)) },
    logTau: Math.log(0.07),
    optimizer: { step, moments: {} }, schedule: { step, config: { lr: 1e-3, warmupSteps: 0, totalSteps: N, minLrRatio: 0.1 } },
    data: order.cursor(), rng: { data: order.rngState(), init: initRng.state() },
    metrics: { series: { loss: new Float32Array(step) }, validation: null },
  };
}

const draw = (o: DataOrder, n: number) => Array.from({ length: n }, () => o.next());

describe('data order resumes exactly through a stored checkpoint', () => {
  const straight = draw(DataOrder.start(SIZE, BATCH, SEED), N);

  test('the straight order moves: new permutation every epoch, no example twice in an epoch', () => {
    expect(straight.map((b) => b.epoch)).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4]);
    for (let e = 0; e < 4; e++) {
      const seen = straight.filter((b) => b.epoch === e).flatMap((b) => b.indices);
      expect(new Set(seen).size).toBe(2 * BATCH);
    }
    expect(straight[2].indices).not.toEqual(straight[0].indices); // epochs differ
  });

  for (let k = 1; k < N; k++) {
    test(`${N} straight == ${k}, save, load, ${N - k}`, async () => {
      const store = memoryKeyValueStore();
      const first = DataOrder.start(SIZE, BATCH, SEED);
      const head = draw(first, k);
      await saveCheckpoint(record(first, k), { store });
      const loaded = await loadCheckpoint('resume', 'latest', store);
      expect(loaded.rng.data).toEqual(first.rngState());
      const resumed = DataOrder.fromCursor(loaded.data, BATCH);
      expect(resumed.rngState()).toEqual(first.rngState()); // what Trainer.resume checks
      expect([...head, ...draw(resumed, N - k)]).toEqual(straight);
    });
  }
});
