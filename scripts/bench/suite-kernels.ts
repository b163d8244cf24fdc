// Suite "kernels" (runs inside the page). For every case, each peer uploads the same host
// data and runs warm-up evaluations (the first compiles pipelines); then timed rounds go
// round-robin over the peers — ours, jax-js, tfjs, ours, … — one sample being
// `run(); await sync();` (one op + a full GPU sync on that peer's own device). Round-robin
// matters on this shared 2-core machine: a burst of someone else's load hits every peer
// alike instead of one peer's whole series. Medians are reported. Outputs are read back
// after timing and compared with ours (whole output) and with a float64 CPU reference
// (sampled rows), so every ratio compares the same computation.

import { randn } from '../../src/engine/testing/random.ts';
import type { LinearData, Peer, PreparedOp } from './peers/peer.ts';
import { maxAbs, maxAbsDiff, maxAbsDiffRows, referenceRows, sampleRows } from './reference.ts';
import { caseFlops, gflops, kernelCases, median } from './stats.ts';
import type { BenchOptions, CaseSpec, ImplName, ImplTiming, RowResult, SuiteResult } from './types.ts';

export interface TimingPlan {
  warmup: number;
  /** Rounds wanted when the budget allows (small shapes reach maxReps quickly). */
  minReps: number;
  maxReps: number;
  /** Target for the whole suite. Each case gets (time left) / (cases left), so time unused by
   * small cases flows to the big ones; a case always gets warm-up + at least one round, so a
   * heavily loaded machine overruns the target rather than reporting nothing. */
  suiteBudgetMs: number;
}

/** Big shapes take seconds per sample on SwiftShader (TF.js the longest): the budget keeps
 * the full suite (16 cases × 3 peers) near ~3 minutes on an idle 2-core machine, giving big
 * shapes fewer repeats. */
export const DEFAULT_PLAN: TimingPlan = { warmup: 1, minReps: 3, maxReps: 7, suiteBudgetMs: 150_000 };

export function caseData(spec: CaseSpec, seed: number): LinearData {
  const { n, inF, outF, rank } = spec;
  // Scales keep every output O(1) (x ~ N(0,1), weights ~ N(0, 1/fan_in)), so the absolute
  // agreement tolerance means the same thing on every row.
  return {
    spec,
    x: randn(n * inF, seed, 1),
    w: randn(outF * inF, seed + 1, 1 / Math.sqrt(inF)),
    a: randn(rank * inF, seed + 2, 1 / Math.sqrt(inF)),
    b: randn(outF * rank, seed + 3, rank > 0 ? 1 / Math.sqrt(rank) : 0),
  };
}

async function timeOnce(op: PreparedOp): Promise<number> {
  const s = performance.now();
  op.run();
  await op.sync();
  return performance.now() - s;
}

/** Times one case on every peer; returns per-peer samples, idle-sync floor and output. */
async function timeCase(peers: readonly Peer[], d: LinearData, plan: TimingPlan, caseBudgetMs: number) {
  const ops: PreparedOp[] = [];
  const t0 = performance.now();
  try {
    for (const p of peers) ops.push(await p.prepare(d));
    for (const op of ops) for (let i = 0; i < plan.warmup; i++) await timeOnce(op);
    const samples: number[][] = ops.map(() => []);
    // Another round if it fits the case budget (judged by the last round's length), or if
    // minReps is not reached and it fits twice the budget; never more than maxReps.
    let last = 0;
    for (let r = 0; r < plan.maxReps; r++) {
      const spent = performance.now() - t0;
      if (r > 0 && spent + last > (r < plan.minReps ? 2 : 1) * caseBudgetMs) break;
      const s = performance.now();
      for (const [i, op] of ops.entries()) samples[i].push(await timeOnce(op));
      last = performance.now() - s;
    }
    const out = [];
    for (const [i, op] of ops.entries()) {
      // The floor inside every sample: a sync with nothing new enqueued (submit + wait on an
      // idle queue). Sub-ms here, so the medians measure the kernels, not the sync.
      const idle: number[] = [];
      for (let k = 0; k < 3; k++) {
        const s = performance.now();
        await op.sync();
        idle.push(performance.now() - s);
      }
      out.push({ samples: samples[i], idleSyncMs: median(idle), y: await op.read() });
    }
    return out;
  } finally {
    for (const op of ops) op.dispose();
  }
}

export async function runKernelSuite(
  peers: readonly Peer[],
  opts: BenchOptions,
  log: (line: string) => void = (l) => console.log(l),
  plan: TimingPlan = DEFAULT_PLAN,
): Promise<SuiteResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  const rows: RowResult[] = [];
  const cases = kernelCases(opts.quick).filter((c) => !opts.filter || c.id.includes(opts.filter));
  if (cases.length === 0) throw new Error(`suite kernels: no case id contains "${opts.filter}"`);
  for (const [ci, spec] of cases.entries()) {
    const d = caseData(spec, 1000 + 17 * ci);
    const sampled = sampleRows(spec.n);
    const ref = referenceRows(d, sampled);
    const flops = caseFlops(spec);
    const row: RowResult = { spec, flops, refMaxAbs: maxAbs(ref), impls: {} };
    const deadline = started + plan.suiteBudgetMs;
    const timed = await timeCase(peers, d, plan, Math.max(0, deadline - performance.now()) / (cases.length - ci));
    const oursAt = peers.findIndex((p) => p.name === 'ours');
    const oursY = oursAt >= 0 ? timed[oursAt].y : null;
    const parts: string[] = [];
    for (const [i, peer] of peers.entries()) {
      const { samples, idleSyncMs, y } = timed[i];
      if (y.length !== spec.n * spec.outF) throw new Error(`${peer.name} ${spec.id}: output has ${y.length} values, want ${spec.n * spec.outF}`);
      const med = median(samples);
      const t: ImplTiming = {
        impl: peer.name,
        samplesMs: samples.map((s) => Math.round(s * 1000) / 1000),
        medianMs: med,
        gflops: gflops(flops, med),
        idleSyncMs,
        maxAbsDiffVsOurs: peer.name === 'ours' || !oursY ? null : maxAbsDiff(y, oursY),
        maxAbsDiffVsRef: maxAbsDiffRows(y, ref, sampled, spec.outF),
      };
      row.impls[peer.name] = t;
      parts.push(`${peer.name} ${med.toFixed(1)} ms (${t.gflops.toFixed(2)} GF/s, n=${samples.length})`);
    }
    log(`[${ci + 1}/${cases.length}] ${spec.id} ${spec.inF}→${spec.outF}: ${parts.join(', ')}`);
    rows.push(row);
  }
  const adapters = Object.fromEntries(peers.map((p) => [p.name, p.adapter])) as Record<ImplName, string>;
  return {
    suite: 'kernels',
    quick: opts.quick,
    userAgent: navigator.userAgent,
    adapters,
    startedAt,
    durationMs: performance.now() - started,
    rows,
  };
}
