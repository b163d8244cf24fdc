// Suite "train-step" (runs in the page). Each peer builds the same decoder from the same host
// Float32Arrays (model.ts); step 1 is run on every peer and checked against ours (loss and
// the updated LoRA params) BEFORE any timing — a mismatch still produces the report, and the
// runner exits 3. Then warm-up + timed rounds go round-robin over the peers (as in
// suite-kernels.ts), one sample being `step(); await sync();`. Finally the VladVA memory table.
import { IMPLS, type BenchOptions, type ImplName } from '../types.ts';
import { median } from '../stats.ts';
import { measureVladvaMemory } from './memory.ts';
import { formatCounts, type GpuCounts } from '../../../src/engine/gpu/counters.ts';
import type { ProbeRow } from '../../../src/engine/kernels/matmul/path_cache.ts';
import type { NormProbeRow } from '../../../src/engine/kernels/norm/path_cache.ts';
import { makeTrainData, TRAIN_LORA, TRAIN_QUICK, trainStepFlops } from './model.ts';
import type { OursTrainPeer, TrainPeer } from './peer.ts';
import { updateRelDiff, type ParamMap, type TrainImplResult, type TrainStepResult } from './result.ts';

const PLAN = { warmup: 1, minReps: 3, maxReps: 9, budgetMs: 60_000 };
const QUICK_PLAN = { warmup: 1, minReps: 3, maxReps: 3, budgetMs: 0 };

export async function runTrainStepSuite(opts: BenchOptions, log: (l: string) => void): Promise<TrainStepResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const data = opts.quick ? makeTrainData(7, TRAIN_QUICK.dims, TRAIN_QUICK.batch) : makeTrainData();
  const plan = opts.quick ? QUICK_PLAN : PLAN;
  const names = IMPLS.filter((n) => !opts.peers || opts.peers.includes(n));
  if (names.length === 0) throw new Error(`suite train-step: no peer selected (train-step has ${IMPLS.join(', ')})`);
  const peers: TrainPeer[] = [];
  let oursPeak = 0, oursResident = 0;
  let ours: OursTrainPeer | null = null;
  try {
    for (const n of names) {
      log(`train-step: initialising ${n}…`);
      if (n === 'ours') {
        ours = await (await import('./ours.ts')).createOursTrainPeer(data);
        peers.push(ours);
      } else if (n === 'jax-js') peers.push(await (await import('./jaxjs.ts')).createJaxTrainPeer(data));
      else peers.push(await (await import('./tfjs.ts')).createTfjsTrainPeer(data));
    }
    // step 1 + agreement
    const first: { loss: number; before: ParamMap; params: ParamMap }[] = [];
    for (const p of peers) {
      const before = await p.readParams();
      const t0 = performance.now();
      p.step();
      await p.sync();
      first.push({ loss: await p.readLoss(), before, params: await p.readParams() });
      log(`train-step: ${p.name} step 1 (compiles) ${(performance.now() - t0).toFixed(0)} ms, loss ${first[first.length - 1].loss.toFixed(6)}`);
    }
    const oi = peers.findIndex((p) => p.name === 'ours');
    // kernel choice by measurement: the GEMM shapes step 1 ran, timed on both matmul kernels
    // (not in --quick: on a CPU adapter the tiled kernel's compile would double the smoke's time)
    let kernelChoice: ProbeRow[] = [];
    let normChoice: NormProbeRow[] = [];
    if (ours && opts.quick) log('train-step: ours, kernel choice by adapter name (--quick skips the probes)');
    if (ours && !opts.quick) {
      const t = performance.now();
      kernelChoice = await ours.tuneKernels();
      log(`train-step: ours, kernel choice probe over ${kernelChoice.length} GEMM shapes in ${(performance.now() - t).toFixed(0)} ms`);
      const t2 = performance.now();
      normChoice = await ours.tuneNorms();
      log(`train-step: ours, norm path probe over ${normChoice.length} norm shapes in ${(performance.now() - t2).toFixed(0)} ms`);
    }
    const samples: number[][] = peers.map(() => []);
    for (let w = 0; w < plan.warmup; w++) for (const p of peers) { p.step(); await p.sync(); }
    const t0 = performance.now();
    let last = 0;
    for (let r = 0; r < plan.maxReps; r++) {
      if (r >= plan.minReps && performance.now() - t0 + last > plan.budgetMs) break;
      const s = performance.now();
      for (const [i, p] of peers.entries()) {
        const a = performance.now();
        p.step();
        await p.sync();
        samples[i].push(performance.now() - a);
      }
      last = performance.now() - s;
    }
    let phases: TrainStepResult['oursPhasesMs'] = null;
    let counts: GpuCounts | null = null;
    if (ours) {
      counts = await ours.countStep();
      log(`train-step: ours, one step: ${formatCounts(counts)}`);
      oursPeak = ours.peakBytes();
      oursResident = ours.residentBytes();
      const ph: NonNullable<TrainStepResult['oursPhasesMs']>[] = [];
      for (let k = 0; k < 3; k++) ph.push(await ours.phases());
      const med = (f: (x: (typeof ph)[number]) => number) => median(ph.map(f));
      phases = { forwardMs: med((x) => x.forwardMs), backwardMs: med((x) => x.backwardMs), adamwMs: med((x) => x.adamwMs) };
    }
    const impls: TrainImplResult[] = peers.map((p, i) => ({
      impl: p.name,
      samplesMs: samples[i].map((x) => Math.round(x * 1000) / 1000),
      medianMs: median(samples[i]),
      loss1: first[i].loss,
      lossRelDiffVsOurs: oi < 0 || i === oi ? null : Math.abs(first[i].loss - first[oi].loss) / Math.abs(first[oi].loss),
      updateRelDiffVsOurs: oi < 0 || i === oi ? null : updateRelDiff(first[i].before, first[i].params, first[oi].before, first[oi].params),
    }));
    for (const i of impls) log(`train-step: ${i.impl} ${i.medianMs.toFixed(1)} ms/step (n=${i.samplesMs.length})`);
    const adapters = Object.fromEntries(peers.map((p) => [p.name, p.adapter])) as Partial<Record<ImplName, string>>;
    for (const p of peers.splice(0)) p.destroy();
    const memory = opts.quick ? null : await measureVladvaMemory([{ batch: 64, chunks: [16, 64] }, { batch: 256, chunks: [16, 256] }], log);
    const d = data.dims, { batch, seqLen } = data.bt;
    return {
      suite: 'train-step',
      config: `decoder H${d.hidden} L${d.layers} heads ${d.heads}/${d.kvHeads} D${d.headDim} I${d.intermediate} V${d.vocab}, batch ${batch}×${seqLen}, LoRA r${TRAIN_LORA.rank} α${TRAIN_LORA.alpha} on q,k,v,o,gate,up,down, next-token CE, AdamW`,
      flopsPerStep: trainStepFlops(d, data.bt, TRAIN_LORA.rank),
      userAgent: navigator.userAgent, adapters, startedAt, durationMs: performance.now() - started, impls,
      oursPeakStepBytes: oursPeak, oursResidentBytes: oursResident, oursPhasesMs: phases, oursCounts: counts, kernelChoice, normChoice, memory,
    };
  } finally {
    for (const p of peers) p.destroy();
  }
}
