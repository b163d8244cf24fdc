// Suite "profile" (runs in the page): where our GPU time goes, with per-dispatch timestamp
// queries (timestamps.ts) on the adapter's own clock.
//  1. the adapter's feature list (is 'timestamp-query' there?);
//  2. "peak": our matmul on a few large shapes (best GF/s = the adapter's reachable compute
//     peak for our kernels) and an elementwise add on 3 × 16 MiB (reachable bandwidth);
//  3. one LoRA training step of the train-step configuration (after a warm-up step), each
//     dispatch timed and attributed to the decoder op that launched it (meter.ts), grouped
//     by op family with FLOPs or bytes → rate and fraction of peak;
//  4. experiment: RMSNorm forward, the engine's workgroup-per-row kernel (barrier tree
//     reduction) vs its one-invocation-per-row 'rows' kernel (what CPU adapters now run; this
//     experiment motivated it), both forced with setNormPath, outputs checked equal.
import { elementwiseForward } from '../../../src/engine/kernels/elementwise/elementwise.ts';
import { matmul } from '../../../src/engine/kernels/matmul/matmul.ts';
import { setNormPath } from '../../../src/engine/kernels/norm/path.ts';
import { rmsNormForward } from '../../../src/engine/kernels/norm/rmsnorm.ts';
import type { GpuTensor } from '../../../src/engine/gpu/tensor.ts';
import { randn } from '../../../src/engine/util/random.ts';
import { median } from '../stats.ts';
import { makeTrainData, TRAIN_BATCH, TRAIN_DIMS, TRAIN_LORA } from '../train/model.ts';
import type { BenchOptions } from '../types.ts';
import { meterOps } from './meter.ts';
import type { FamilyRow, ProfileResult } from './result.ts';
import { TimestampContext, type DispatchTime } from './timestamps.ts';

const PEAK_SHAPES: [number, number, number][] = [[1024, 1024, 1024], [512, 576, 1536], [512, 1536, 576], [256, 576, 576]]; // M, K, N

export async function runProfileSuite(opts: BenchOptions, log: (l: string) => void): Promise<ProfileResult> {
  const started = performance.now(), startedAt = new Date().toISOString();
  const adapter = await navigator.gpu.requestAdapter();
  if (!adapter) throw new Error('profile: requestAdapter() returned null');
  const features = [...adapter.features].map(String).sort();
  const info = adapter.info;
  const desc = [info?.vendor, info?.architecture, info?.description].filter((s) => s).join(' ') || 'unknown adapter';
  if (!features.includes('timestamp-query')) throw new Error(`profile: adapter "${desc}" lacks 'timestamp-query' (features: ${features.join(', ') || 'none'})`);

  // 1–2. peak --------------------------------------------------------------------------------
  const reps = opts.quick ? 1 : 3;
  const ctx = await TimestampContext.create();
  const time = async (f: () => void, n = reps) => {
    const ns: number[] = [];
    f(); await ctx.collect(); // warm-up: pipeline compile
    for (let i = 0; i < n; i++) { f(); ns.push((await ctx.collect()).reduce((s, r) => s + r.ns, 0)); }
    return median(ns) / 1e6;
  };
  const matmulPeak: ProfileResult['peak']['matmul'] = [];
  for (const [M, K, N] of opts.quick ? PEAK_SHAPES.slice(1, 2) : PEAK_SHAPES) {
    const x = ctx.upload(randn(M * K, 1), [M, K], 'x'), w = ctx.upload(randn(N * K, 2), [N, K], 'w'), y = ctx.empty([M, N], 'y');
    const ms = await time(() => matmul(ctx, y, x, w, { transB: true }));
    matmulPeak.push({ shape: `${M}×${K}·(${N}×${K})ᵀ`, ms, gflops: (2 * M * K * N) / ms / 1e6 });
    log(`profile: matmul ${M}×${K}×${N} ${ms.toFixed(1)} ms`);
    ctx.release(x, w, y);
  }
  const n = 4 * 2 ** 20;
  const a = ctx.upload(randn(n, 3), [n], 'a'), b = ctx.upload(randn(n, 4), [n], 'b'), c = ctx.empty([n], 'c');
  const addMs = await time(() => elementwiseForward(ctx, 'add', c, a, b));
  ctx.release(a, b, c);
  const bandwidth = { bytes: 3 * 4 * n, ms: addMs, gbs: (3 * 4 * n) / addMs / 1e6 };
  const rmsnorm: ProfileResult['rmsnormExperiment'] = [];
  for (const rows of [256, 608]) {
    const H = TRAIN_DIMS.hidden;
    const x = ctx.upload(randn(rows * H, 5), [rows, H], 'x'), w = ctx.upload(randn(H, 6), [H], 'w');
    const [y1, y2, r1, r2] = [ctx.empty([rows, H], 'y1'), ctx.empty([rows, H], 'y2'), ctx.empty([rows], 'r1'), ctx.empty([rows], 'r2')];
    // 5 interleaved pairs (cheap): one sample of either can be hit by other jobs' load
    const pairs: [number, number][] = [];
    // the engine's two RMSNorm paths, each forced (setNormPath), on the same input
    const onPath = (path: 'workgroup' | 'rows', y: GpuTensor, r: GpuTensor) => () => {
      setNormPath(ctx, path);
      rmsNormForward(ctx, y, r, x, w, { eps: 1e-5 });
      setNormPath(ctx, 'auto');
    };
    const ours = onPath('workgroup', y1, r1);
    const rowwise = onPath('rows', y2, r2);
    for (let i = 0; i < 5; i++) pairs.push([await time(ours, 1), await time(rowwise, 1)]);
    const oursMs = median(pairs.map((p) => p[0])), rowMs = median(pairs.map((p) => p[1]));
    const [a1, a2] = [await ctx.read(y1), await ctx.read(y2)];
    let diff = 0;
    for (let i = 0; i < a1.length; i++) diff = Math.max(diff, Math.abs(a1[i] - a2[i]));
    if (!(diff <= 1e-4)) throw new Error(`profile: rmsnorm experiment ${rows}×${H}: row-per-thread output differs from ours by ${diff} (> 1e-4)`);
    rmsnorm.push({ rows, H, oursMs, rowwiseMs: rowMs, maxAbsDiff: diff });
    log(`profile: rmsnorm ${rows}×${H}: ours ${oursMs.toFixed(2)} ms, row-per-thread ${rowMs.toFixed(2)} ms (|Δ| ${diff.toExponential(1)})`);
    ctx.release(x, w, y1, y2, r1, r2);
  }
  ctx.destroy();

  // 3. one training step -------------------------------------------------------------------
  let tc: TimestampContext | null = null;
  let calls: ReturnType<typeof meterOps>['calls'] = [];
  const peer = await (await import('../train/ours.ts')).createOursTrainPeer(makeTrainData(), {
    ctx: async () => (tc = await TimestampContext.create()),
    wrapOps: (o) => { const m = meterOps(o, (t) => { if (tc) tc.tag = t; }); calls = m.calls; return m.ops; },
  });
  let recs: DispatchTime[];
  try {
    peer.step();
    await tc!.collect(); // warm-up step
    log('profile: warm-up step done');
    peer.step();
    recs = await tc!.collect();
  } finally {
    peer.destroy();
  }
  const fam = new Map<string, FamilyRow>();
  const seenCall = new Set<string>();
  const kernels = new Map<string, { kernel: string; dispatches: number; ms: number }>();
  for (const r of recs) {
    const k = r.tag ? Number(r.tag.slice(r.tag.indexOf('#') + 1)) : -1;
    const family = k >= 0 ? calls[k].op : r.kernel.replace(/[:].*$/, '');
    const row = fam.get(family) ?? { family, calls: 0, dispatches: 0, ms: 0, flops: 0, bytes: 0 };
    row.dispatches++;
    row.ms += r.ns / 1e6;
    if (!seenCall.has(r.tag || `${r.kernel}#${row.dispatches}`)) {
      seenCall.add(r.tag || `${r.kernel}#${row.dispatches}`);
      row.calls++;
      if (k >= 0) { row.flops += calls[k].flops; row.bytes += calls[k].bytes; }
    }
    fam.set(family, row);
    const kr = kernels.get(r.kernel) ?? { kernel: r.kernel, dispatches: 0, ms: 0 };
    kr.dispatches++; kr.ms += r.ns / 1e6;
    kernels.set(r.kernel, kr);
  }
  const d = TRAIN_DIMS;
  return {
    suite: 'profile', quick: opts.quick, userAgent: navigator.userAgent, adapter: desc, features, timestampQuery: true, startedAt,
    durationMs: performance.now() - started,
    peak: { matmul: matmulPeak, bandwidth }, rmsnormExperiment: rmsnorm,
    step: {
      config: `H${d.hidden} L${d.layers} I${d.intermediate} V${d.vocab}, ${TRAIN_BATCH.batch}×${TRAIN_BATCH.seqLen} tokens, LoRA r${TRAIN_LORA.rank}`,
      kernelMs: recs.reduce((s, r) => s + r.ns, 0) / 1e6, dispatches: recs.length, families: [...fam.values()], kernels: [...kernels.values()],
    },
  };
}
