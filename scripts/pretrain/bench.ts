// `npm run pretrain -- --bench [--quick]`: pretraining throughput of this machine's WebGPU
// adapter. A fixed short run (seeded data order, the shipped batch/size; --quick: CI-sized,
// args.ts BENCH_*) whose first BENCH_WARMUP step(s) are dropped (pipeline compilation, buffer
// pool fill); the rest give examples/s and ms/step (wall clock, load-dependent) and the
// machine-independent GPU API counts per step (dispatches, submits, buffers created, bytes
// read back / uploaded) from ctx.counters (src/engine/gpu/counters.ts).
//
//   const s = summarizeBench(progressRecords, warmup, batch); console.log(formatBench(s));
//
// Trap: ms/step on SwiftShader shares the CPU with everything else; compare same-run
// before/after figures and record the load average (the JSON carries it).
import type { GpuCounts } from '../../src/engine/gpu/counters.ts';
import type { PretrainProgress } from '../../src/engine/train/pretrain/run.ts';

export interface BenchSummary {
  batch: number;
  timedSteps: number;
  examplesPerSec: number;
  msPerStep: number;
  tokensPerStep: number;
  captionTokensPerStep: number;
  /** Mean per timed step of every GpuCounts field. */
  perStep: GpuCounts;
  losses: number[];
}

export function summarizeBench(steps: PretrainProgress[], warmup: number, batch: number): BenchSummary {
  const timed = steps.slice(warmup);
  if (timed.length === 0) throw new Error(`bench: ${steps.length} step(s) recorded, none after the ${warmup} warm-up step(s)`);
  const n = timed.length;
  const ms = timed.reduce((s, p) => s + p.stepMs, 0);
  const perStep = { ...timed[0].counts };
  for (const k of Object.keys(perStep) as (keyof GpuCounts)[]) perStep[k] = timed.reduce((s, p) => s + p.counts[k], 0) / n;
  return {
    batch, timedSteps: n, examplesPerSec: (batch * n) / (ms / 1000), msPerStep: ms / n,
    tokensPerStep: timed.reduce((s, p) => s + p.tokens, 0) / n,
    captionTokensPerStep: timed.reduce((s, p) => s + p.captionTokens, 0) / n,
    perStep, losses: steps.map((p) => p.loss),
  };
}

export function formatBench(s: BenchSummary): string {
  const c = s.perStep;
  const r = (x: number) => (Number.isInteger(x) ? String(x) : x.toFixed(1));
  return [
    `bench: ${s.timedSteps} timed steps of batch ${s.batch} (${r(s.tokensPerStep)} tokens, ${r(s.captionTokensPerStep)} labelled per step)`,
    `  examples/s          ${s.examplesPerSec.toFixed(3)}`,
    `  ms/step             ${s.msPerStep.toFixed(0)}`,
    `  dispatches/step     ${r(c.dispatches)}`,
    `  submits/step        ${r(c.submits)}`,
    `  buffers created/step ${r(c.buffersCreated)}`,
    `  bytes read/step     ${r(c.bytesRead)} (${r(c.reads)} reads)`,
    `  bytes uploaded/step ${r(c.bytesUploaded)} (+${r(c.uniformBytes)} uniform bytes)`,
    `  encode ms/step      ${c.encodeMs.toFixed(0)}`,
    `  losses              ${s.losses.map((l) => l.toFixed(6)).join(' ')}`,
  ].join('\n');
}
