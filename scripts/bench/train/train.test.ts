// Pure parts of suite "train-step": data, labels, RoPE-as-matmul tables (checked against our
// CPU RoPE reference), agreement checks, report and command line. No timing here.
import { describe, expect, test } from 'vitest';
import { ropeForwardRef } from '../../../src/engine/kernels/rope/rope.ref.ts';
import { parseArgs } from '../args.ts';
import { loraNames, makeTrainData, nextTokenLabels, ropeTables, TRAIN_DIMS, trainStepFlops } from './model.ts';
import { formatTrainStepReport, trainDisagreements, updateRelDiff, type TrainStepResult } from './result.ts';

describe('train-step data', () => {
  test('next-token labels shift ids left and ignore each sequence end', () => {
    expect(Array.from(nextTokenLabels(Uint32Array.from([5, 6, 7, 8, 9, 10]), 2, 3))).toEqual([6, 7, -100, 9, 10, -100]);
  });
  test('deterministic weights of the configured shapes; 28 LoRA tensors', () => {
    const a = makeTrainData(3), b = makeTrainData(3);
    const d = TRAIN_DIMS;
    expect(a.embed).toEqual(b.embed);
    expect(a.layers[1].B.down).toEqual(b.layers[1].B.down);
    expect(a.layers[0].lin.q.length).toBe(d.heads * d.headDim * d.hidden);
    expect(a.layers[0].lin.k.length).toBe(d.kvHeads * d.headDim * d.hidden);
    expect(a.layers[0].A.down.length).toBe(8 * d.intermediate);
    expect(a.ids.every((i) => i < d.vocab)).toBe(true);
    expect(loraNames(2)).toHaveLength(28);
    expect(loraNames(1).slice(0, 3)).toEqual(['L0.q.A', 'L0.q.B', 'L0.k.A']);
    expect(makeTrainData(4).embed[0]).not.toBe(a.embed[0]);
  });
  test('flop count: frozen base (no dW), LoRA and attention backward 2× forward', () => {
    const d = { ...TRAIN_DIMS, layers: 1, heads: 1, kvHeads: 1, headDim: 2, hidden: 2, intermediate: 2, vocab: 2 };
    // N = r = 1, all linears 2×2: base 7·8 = 56, LoRA 7·8 = 56; attention 2·2·1·1·1·1·2 = 8; lm head 8
    expect(trainStepFlops(d, { batch: 1, seqLen: 1 }, 1)).toBe(2 * 56 + 3 * 56 + 3 * 8 + 2 * 8);
  });
  test('x·cos + (x·R)·sin equals the HF rotate-half RoPE of our CPU reference', () => {
    const T = 5, D = 8, theta = 10000;
    const { cos, sin, R } = ropeTables(T, D, theta);
    const x = Float32Array.from({ length: T * D }, (_, i) => Math.sin(i * 1.3) + 0.1 * i);
    const want = new Float32Array(x);
    ropeForwardRef(want, [0, 1, 2, 3, 4], { heads: 1, headDim: D, theta });
    for (let t = 0; t < T; t++) {
      for (let j = 0; j < D; j++) {
        let xr = 0;
        for (let k = 0; k < D; k++) xr += x[t * D + k] * R[k * D + j];
        expect(x[t * D + j] * cos[t * D + j] + xr * sin[t * D + j]).toBeCloseTo(want[t * D + j], 5);
      }
    }
  });
});

function result(over: Partial<TrainStepResult['impls'][number]> = {}): TrainStepResult {
  return {
    suite: 'train-step', config: 'cfg', flopsPerStep: 2e9, userAgent: '', adapters: { ours: 'google swiftshader' }, startedAt: '', durationMs: 1,
    impls: [
      { impl: 'ours', samplesMs: [100, 110], medianMs: 100, loss1: 7, lossRelDiffVsOurs: null, updateRelDiffVsOurs: null },
      { impl: 'jax-js', samplesMs: [200], medianMs: 200, loss1: 7, lossRelDiffVsOurs: 1e-7, updateRelDiffVsOurs: 1e-6, ...over },
    ],
    oursPeakStepBytes: 8 * 2 ** 20, oursResidentBytes: 5 * 2 ** 20, oursPhasesMs: { forwardMs: 10, backwardMs: 20, adamwMs: 3 },
    memory: { model: 'tiny', rows: [{ batch: 64, chunk: 16, peakBytes: 2 ** 20, ms: 1, loss: 1 }, { batch: 64, chunk: 64, peakBytes: 4 * 2 ** 20, ms: 1, loss: 1 }] },
  };
}

describe('train-step report', () => {
  test('agreement within tolerance passes; loss or parameter mismatch (or NaN) is reported', () => {
    expect(trainDisagreements(result())).toEqual([]);
    expect(trainDisagreements(result({ lossRelDiffVsOurs: 2e-3 }))[0]).toMatch(/jax-js: step-1 loss differs/);
    expect(trainDisagreements(result({ updateRelDiffVsOurs: NaN }))[0]).toMatch(/step-1 LoRA update differs/);
  });
  test('table: ms/step, GF/s, ratio ours/impl, memory and chunk ratio', () => {
    const s = formatTrainStepReport(result());
    expect(s).toMatch(/^jax-js\s+200\.0\s+1\s+10\.00\s+0\.50\s/m);
    expect(s).toContain('forward 10 ms, backward 20 ms, AdamW 3 ms');
    expect(s).toContain('peak GPU memory of one step 8.0 MiB above 5.0 MiB resident');
    expect(s).toMatch(/^\s+64\s+16\s+1\.0\s+0\.25/m);
  });
  test('counts per step and the measured kernel choice are printed', () => {
    const s = formatTrainStepReport({
      ...result(),
      oursCounts: { dispatches: 85, submits: 1, buffersCreated: 0, bytesUploaded: 860, uniformBytes: 21760, bytesRead: 0, reads: 0, encodeMs: 8.44 },
      kernelChoice: [
        { shape: '≤32×64×64 k2 8 ᵀB', directMs: 5.31, tiledMs: 8.91, chosen: 'direct' },
        { shape: '≤256×576×576', directMs: 9, tiledMs: 2, chosen: 'tiled' },
      ],
      normChoice: [{ shape: 'rmsnorm forward ≤64×64', rowsMs: 0.4, workgroupMs: 2.1, chosen: 'rows' }],
    });
    expect(s).toContain('ours, counts per step: 85 dispatches, 1 submit, 0 buffers created, 860 B up (+21.3 KiB uniforms), 0 B read (0 reads), encode 8.4 ms');
    expect(s).toContain('kernel choice by measurement (per GEMM shape, M×N×K, this adapter): 1 tiled, 1 direct');
    expect(s).toContain('  matmul ≤256×576×576 → tiled (direct 9.00 ms, tiled 2.00 ms)');
    expect(s).toContain('norm path by measurement (per norm shape, rows×H, this adapter): 1 rows, 0 workgroup');
    expect(s).toContain('  rmsnorm forward ≤64×64 → rows (rows 0.40 ms, workgroup 2.10 ms)');
  });
  test('the update check compares parameter CHANGES relatively: a skipped or halved update fails it', () => {
    // updates of ~lr = 1e-4 on weights of ~0.1: an absolute 1e-3 check on the parameters would pass all of these
    const lr = 1e-4;
    const before = new Map([['L0.q.A', Float32Array.from([0.1, -0.2, 0.05])], ['L0.q.B', Float32Array.from([0, 0.3])]]);
    const step = (f: number) => new Map([...before].map(([k, v]) => [k, v.map((x, i) => x - f * lr * (i % 2 ? -1 : 1))]));
    const ours = step(1);
    const check = (after: Map<string, Float32Array>) =>
      trainDisagreements(result({ updateRelDiffVsOurs: updateRelDiff(before, after, before, ours) }));
    expect(updateRelDiff(before, ours, before, ours)).toBe(0);
    expect(check(step(1))).toEqual([]);
    expect(check(before)[0]).toMatch(/jax-js: its step-1 LoRA update differs from ours by 1\.00e\+0/); // skipped
    expect(check(step(0.5))[0]).toMatch(/differs from ours by 5\.0\de-1/); // halved
    expect(check(step(1.001))).toEqual([]); // f32 rounding-level differences pass
    expect(() => updateRelDiff(before, ours, before, before)).toThrow(/our step 1 changed no parameter/);
    expect(() => updateRelDiff(before, new Map([['y', Float32Array.from([1])]]), before, ours)).toThrow(/parameter L0.q.A missing/);
  });
  test('command line: train-step and all', () => {
    expect(parseArgs(['train-step'], '/r')).toMatchObject({ suite: 'train-step', out: '/r/bench-results/train-step.json' });
    expect(parseArgs(['all', '--quick'], '/r').suite).toBe('all');
    expect(() => parseArgs(['all', '--out', 'x.json'], '/r')).toThrow(/--out cannot be used with "all"/);
  });
});
