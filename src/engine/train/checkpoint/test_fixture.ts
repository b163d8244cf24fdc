/**
 * Test helpers shared by the Node and browser checkpoint tests: a small, fully populated
 * TrainingCheckpoint drawn from the project RNG, and a bit-level view of every tensor.
 * (Not used by production code.)
 */
import { LORA_MODULES, linearShape, type Adapters, type DecoderDims } from '../../model/decoder/types.ts';
import { Rng } from '../rng.ts';
import { trainableTensors, type TrainingCheckpoint, type ValidationMetric } from './types.ts';

export const TINY_DIMS: DecoderDims = {
  hidden: 8, intermediate: 12, layers: 2, heads: 2, kvHeads: 1, headDim: 4, vocab: 32, ropeTheta: 10000, rmsEps: 1e-5,
};

export function randomAdapters(dims: DecoderDims, rank: number, rng: Rng, alpha = 2 * rank): Adapters<Float32Array> {
  const layers: Adapters<Float32Array>['layers'] = [];
  for (let l = 0; l < dims.layers; l++) {
    const layer: Adapters<Float32Array>['layers'][number] = {};
    for (const m of LORA_MODULES) {
      const [out, inp] = linearShape(dims, m);
      layer[m] = { A: rng.fillNormal(new Float32Array(rank * inp), 0.1), B: rng.fillNormal(new Float32Array(out * rank), 0.1) };
    }
    layers.push(layer);
  }
  return { rank, alpha, modules: LORA_MODULES, layers };
}

export function makeCheckpoint(o: {
  runId: string; step: number; seed?: number; validation?: ValidationMetric | null; dims?: DecoderDims; rank?: number;
}): TrainingCheckpoint {
  const dims = o.dims ?? TINY_DIMS, rank = o.rank ?? 2;
  const rng = Rng.fromSeed(o.seed ?? o.step, 1);
  const H = dims.hidden;
  const base = {
    adapters: randomAdapters(dims, rank, rng),
    softPrompts: { hidden: H, image: rng.fillNormal(new Float32Array(3 * H)), text: rng.fillNormal(new Float32Array(5 * H)) },
    logTau: Math.log(0.05) + rng.normal(0, 0.01), // a float64, must round-trip exactly
  };
  const moments: TrainingCheckpoint['optimizer']['moments'] = {};
  for (const [name, t] of trainableTensors(base)) {
    moments[name] = {
      m: rng.fillNormal(new Float32Array(t.data.length), 1e-3),
      v: rng.fillUniform(new Float32Array(t.data.length), 0, 1e-6),
    };
  }
  const loss = rng.fillUniform(new Float32Array(Math.max(1, o.step)), 0.5, 3);
  if (loss.length > 2) {
    new Uint32Array(loss.buffer)[0] = 0x7fc00123; // a NaN with a payload (a diverged step)
    loss[1] = -0;
  }
  return {
    format: 'discern-checkpoint', version: 1,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, o.step)).toISOString(),
    runId: o.runId, step: o.step, modelId: 'tiny-random-idefics3',
    config: { lr: 1e-4, batch: 8, loraRank: rank, nested: { prompts: ['<image>', 'é ✓'] } },
    ...base,
    optimizer: { step: o.step, moments },
    schedule: { step: o.step, config: { lr: 1e-4, warmupSteps: 2, totalSteps: 100, minLrRatio: 0.1 } },
    data: { epoch: 1, index: o.step % 7, size: 7, orderState: Rng.fromSeed(5, 0).state() },
    rng: { data: Rng.fromSeed(5, 0).state(), init: rng.state() },
    metrics: { series: { loss, 'loss/contrastive': loss.map((x) => x / 2) }, validation: o.validation ?? null },
  };
}

/** name → raw u32 bits of every tensor (trainables, moments, series), for bit-exact comparison. */
export function tensorBits(c: TrainingCheckpoint): Record<string, Uint32Array> {
  const out: Record<string, Uint32Array> = {};
  const bits = (a: Float32Array) => new Uint32Array(a.slice().buffer);
  for (const [n, t] of trainableTensors(c)) if (n !== 'logTau') out[n] = bits(t.data);
  for (const [n, mv] of Object.entries(c.optimizer.moments)) {
    out[`adam.m.${n}`] = bits(mv.m);
    out[`adam.v.${n}`] = bits(mv.v);
  }
  for (const [n, s] of Object.entries(c.metrics.series)) out[`metrics.${n}`] = bits(s);
  return out;
}

/** Everything but the tensors, for deep equality. */
export function scalars(c: TrainingCheckpoint): unknown {
  const { adapters, softPrompts, optimizer, metrics, ...rest } = c;
  return {
    ...rest, rank: adapters.rank, alpha: adapters.alpha, modules: [...adapters.modules], layers: adapters.layers.length,
    hidden: softPrompts.hidden, optStep: optimizer.step, validation: metrics.validation,
  };
}
