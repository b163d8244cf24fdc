// Suite "embed" (runs in the page): embedding throughput of the decoder forward, ours vs
// onnxruntime-web (WebGPU EP, wasm EP) on the same weights and batches (data.ts). Per case:
// every peer prepares it, runs it once (warm-up: pipeline/session compilation) and its
// embeddings are compared with ours (≤ EMBED_TOL relative) BEFORE timing — on a mismatch the
// case is not timed (the warm-up time is its only sample) and the runner exits 3. Then timed
// rounds go round-robin over the peers (as in suite-kernels.ts); one sample = one run().
import { median } from '../stats.ts';
import { TRAIN_DIMS } from '../train/model.ts';
import { EMBED_IMPLS, type BenchOptions, type EmbedImplName } from '../types.ts';
import { caseTokens, embedCases, embedModel } from './data.ts';
import { createOrtEmbedPeer, createOursEmbedPeer, type EmbedPeer, type PreparedEmbed } from './peers.ts';
import { EMBED_TOL, maxRelDiff, type EmbedResult, type EmbedRow } from './result.ts';

const PLAN = { full: { minReps: 3, maxReps: 7, budgetMs: 60_000 }, quick: { minReps: 1, maxReps: 2, budgetMs: 10_000 } };

export async function runEmbedSuite(opts: BenchOptions, log: (l: string) => void): Promise<EmbedResult> {
  const started = performance.now(), startedAt = new Date().toISOString();
  const names = EMBED_IMPLS.filter((n) => !opts.peers || opts.peers.includes(n));
  if (names.length === 0) throw new Error(`suite embed: no peer selected (embed has ${EMBED_IMPLS.join(', ')})`);
  const m = embedModel();
  const plan = opts.quick ? PLAN.quick : PLAN.full;
  const peers: EmbedPeer[] = [];
  const rows: EmbedRow[] = [];
  try {
    for (const n of names) {
      log(`embed: initialising ${n}…`);
      peers.push(n === 'ours' ? await createOursEmbedPeer(m) : await createOrtEmbedPeer(n, m));
    }
    for (const c of embedCases(opts.quick)) {
      const prepared: PreparedEmbed[] = [];
      try {
        for (const p of peers) prepared.push(await p.prepare(c));
        const first: Float32Array[] = [], warm: number[] = [];
        for (const [i, p] of prepared.entries()) {
          const t = performance.now();
          first.push(await p.run());
          warm.push(performance.now() - t);
          log(`embed: ${peers[i].name} ${c.kind} warm-up ${warm[i].toFixed(0)} ms`);
        }
        const oi = peers.findIndex((p) => p.name === 'ours');
        const diffs = first.map((e, i) => (oi < 0 || i === oi ? null : maxRelDiff(e, first[oi])));
        const agree = diffs.every((x) => x === null || x <= EMBED_TOL);
        const samples: number[][] = peers.map(() => []);
        if (!agree) log(`embed: ${c.kind}: outputs disagree (${diffs.map((x) => x?.toExponential(1) ?? '—').join(', ')}) — not timed`);
        const t0 = performance.now();
        let last = 0;
        for (let r = 0; agree && r < plan.maxReps; r++) {
          if (r >= plan.minReps && performance.now() - t0 + last > plan.budgetMs) break;
          const s = performance.now();
          for (const [i, p] of prepared.entries()) {
            const a = performance.now();
            await p.run();
            samples[i].push(performance.now() - a);
          }
          last = performance.now() - s;
        }
        rows.push({
          kind: c.kind, count: c.count, tokens: caseTokens(c),
          impls: peers.map((p, i) => {
            const xs = samples[i].length ? samples[i] : [warm[i]];
            return { impl: p.name, samplesMs: xs.map((x) => Math.round(x * 1000) / 1000), medianMs: median(xs), maxRelDiffVsOurs: diffs[i] };
          }),
        });
        for (const x of rows[rows.length - 1].impls) log(`embed: ${x.impl} ${c.kind} ${x.medianMs.toFixed(1)} ms/batch (n=${x.samplesMs.length})`);
      } finally {
        for (const p of prepared) await p.dispose();
      }
    }
    const d = TRAIN_DIMS;
    return {
      suite: 'embed',
      config: `decoder H${d.hidden} L${d.layers} heads ${d.heads}/${d.kvHeads} D${d.headDim} I${d.intermediate} (train-step weights, no LoRA), forward + final norm + summary gather, fp32`,
      userAgent: navigator.userAgent,
      adapters: Object.fromEntries(peers.map((p) => [p.name, p.adapter])) as Partial<Record<EmbedImplName, string>>,
      startedAt, durationMs: performance.now() - started, rows,
    };
  } finally {
    for (const p of peers) p.destroy();
  }
}
