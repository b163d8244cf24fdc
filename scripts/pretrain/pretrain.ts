// `npm run pretrain -- [options]` (args.ts): pretrains the tiny SmolVLM-layout model from
// scratch with Discern's WebGPU engine in headless Chromium and writes it in Hugging Face
// layout (+ onnx/vision_encoder.onnx, README.md model card) to --out
// (default public/models/discern-tiny), with pretrain_log.jsonl beside it.
//  1. builds the seeded initial folder in Node (model-files.ts initialModel);
//  2. opens pretrain.html in headless Chromium (scripts/headless-page.ts: Vite, no HMR / watching);
//  3. the page (pretrain-page.ts) runs src/engine/train/pretrain/run.ts; every step is
//     reported back, printed (step, loss, tokens/s, ETA) and appended to the log at once;
//  4. writes the trained folder and prints the held-out greedy captions. Every
//     --checkpoint-every steps the folder is also written (README marked intermediate), so a
//     crash late in a long run still leaves a loadable model.
// With --bench [--quick] (bench.ts): a short fixed run that writes nothing and prints
// examples/s, ms/step and GPU API counts per step (+ a `BENCH {json}` line, load average in it).
// Exit codes: 0 ok; 1 the run failed; 2 bad command line.
import { appendFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import type { PretrainProgress } from '../../src/engine/train/pretrain/run.ts';
import { openHeadlessPage, REPO_ROOT as ROOT } from '../headless-page.ts';
import { BENCH_WARMUP, commandLine, parsePretrainArgs, USAGE, type PretrainArgs } from './args.ts';
import { formatBench, summarizeBench } from './bench.ts';
import type { CardInfo } from './card.ts';
import { writeFolderFiles } from '../tiny-model/write-folder.ts';
import { initialModel, trainedFiles } from './model-files.ts';
import type { PageResult } from './pretrain-page.ts';

function decodeWeights(w: Record<string, string>): Map<string, Float32Array> {
  return new Map(Object.entries(w).map(([k, v]) => {
    const b = Buffer.from(v, 'base64');
    return [k, new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength))];
  }));
}

/** Writes the folder's files (replacing onnx/); returns the bytes written. */
function writeModel(out: string, files: Record<string, Uint8Array>): number {
  rmSync(join(out, 'onnx'), { recursive: true, force: true });
  return writeFolderFiles(out, files);
}

const mmss = (sec: number) => {
  const r = Math.round(sec);
  return `${Math.floor(r / 60)}m${String(r % 60).padStart(2, '0')}s`;
};

/** Same page and options as a real run, nothing written; prints the bench summary. */
async function bench(a: PretrainArgs): Promise<void> {
  const load0 = loadavg();
  const init = initialModel({ seed: a.seed, imageSize: a.imageSize });
  const steps: PretrainProgress[] = [];
  const onProgress = (p: PretrainProgress) => {
    steps.push(p);
    console.log(`step ${p.step}/${p.steps}${p.step <= BENCH_WARMUP ? ' (warm-up)' : ''}  loss ${p.loss.toFixed(6)}  ${(p.stepMs / 1000).toFixed(2)} s/step  ` +
      `${p.counts.dispatches} dispatches, ${p.counts.submits} submits, ${p.counts.buffersCreated} buffers created, ${p.counts.bytesRead} B read`);
  };
  const hp = await openHeadlessPage({
    entry: 'scripts/pretrain/pretrain.html', ready: '__discernPretrain', name: 'pretrain', echo: 'warnings',
    expose: { __discernPretrainProgress: onProgress, __discernPretrainCheckpoint: () => undefined },
  });
  try {
    const files = Object.fromEntries(Object.entries(init.files).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    await hp.page.evaluate(([f, o]) => window.__discernPretrain!.run(f, o), [files, runOptions(a)] as const);
  } finally {
    await hp.close();
  }
  const s = summarizeBench(steps, BENCH_WARMUP, a.batch);
  const load1 = loadavg();
  console.log(`\n${commandLine(a)}\n${formatBench(s)}\n  load average        ${load0.map((x) => x.toFixed(2)).join(' ')} → ` +
    `${load1.map((x) => x.toFixed(2)).join(' ')} (${cpus().length} CPUs)`);
  console.log('BENCH ' + JSON.stringify({ command: commandLine(a), ...s, loadAvgBefore: load0, loadAvgAfter: load1, cpus: cpus().length, date: new Date().toISOString() }));
}

function runOptions(a: PretrainArgs) {
  return {
    steps: a.steps, batch: a.batch, lr: a.lr, warmupSteps: a.warmup, minLrRatio: a.minLrRatio, weightDecay: a.weightDecay,
    maxGradNorm: a.maxGradNorm, maxLongTokens: a.maxLongTokens, seed: a.seed, trainScenes: a.trainScenes ?? undefined,
    evalScenes: a.evalScenes, samples: a.samples, sampleTokens: a.maxLongTokens + 8, profile: a.profile,
    checkpointEvery: a.checkpointEvery,
  };
}

async function pretrain(a: PretrainArgs): Promise<void> {
  const t0 = performance.now();
  const out = resolve(ROOT, a.out);
  mkdirSync(out, { recursive: true });
  const logPath = join(out, 'pretrain_log.jsonl');
  writeFileSync(logPath, JSON.stringify({ type: 'config', command: commandLine(a), ...a }) + '\n');
  const init = initialModel({ seed: a.seed, imageSize: a.imageSize });
  console.log(`pretrain: initial model vocab ${init.config.text.vocab_size}, ${init.config.imageTokensPerImage} image tokens, ` +
    `${Object.values(init.weights).reduce((n, t) => n + t.data.length, 0)} parameters`);

  const losses: number[] = [];
  let last: PretrainProgress | null = null;
  const onProgress = (p: PretrainProgress) => {
    losses.push(p.loss);
    last = p;
    appendFileSync(logPath, JSON.stringify({ type: 'step', ...p }) + '\n');
    console.log(`step ${p.step}/${p.steps}  loss ${p.loss.toFixed(4)}  gnorm ${p.gradNorm.toFixed(3)}  lr ${p.lr.toExponential(2)}  ` +
      `${Math.round(p.tokensPerSec)} tok/s  ${(p.stepMs / 1000).toFixed(2)} s/step  ETA ${mmss(p.etaSec)}` +
      (p.timings ? `  [${Object.entries(p.timings).map(([k, v]) => `${k} ${Math.round(v)} ms`).join(', ')}]` : ''));
  };
  const k20 = () => Math.min(20, losses.length);
  const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / Math.max(1, xs.length);
  const cardOf = (extra: Partial<CardInfo>): CardInfo => ({
    command: commandLine(a), steps: a.steps, batch: a.batch, lr: a.lr, warmupSteps: a.warmup, seed: a.seed,
    maxLongTokens: a.maxLongTokens, firstLoss: mean(losses.slice(0, k20())), finalLoss: mean(losses.slice(-k20())), evalLoss: null,
    trainSec: ((last as PretrainProgress | null)?.elapsedMs ?? 0) / 1000, wallSec: (performance.now() - t0) / 1000,
    tokensPerSec: (last as PretrainProgress | null)?.tokensPerSec ?? 0, samples: [], ...extra,
  });
  const onCheckpoint = (step: number, w: Record<string, string>) => {
    const bytes = writeModel(out, trainedFiles(init, decodeWeights(w), cardOf({ checkpointStep: step })));
    console.log(`checkpoint: step ${step} written to ${out} (${bytes} bytes)`);
  };
  const hp = await openHeadlessPage({
    entry: 'scripts/pretrain/pretrain.html', ready: '__discernPretrain', name: 'pretrain', echo: 'all',
    expose: { __discernPretrainProgress: onProgress, __discernPretrainCheckpoint: onCheckpoint },
  });
  try {
    const files = Object.fromEntries(Object.entries(init.files).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    const opts = runOptions(a);
    const r: PageResult = await hp.page.evaluate(([f, o]) => window.__discernPretrain!.run(f, o), [files, opts] as const);
    const card = cardOf({ evalLoss: r.evalLoss, trainSec: r.trainMs / 1000, samples: r.samples });
    const written = trainedFiles(init, decodeWeights(r.weights), card);
    const total = writeModel(out, written);
    const k = k20(), wallSec = card.wallSec;
    appendFileSync(logPath, JSON.stringify({ type: 'summary', ...card }) + '\n');
    console.log(`\nloss ${card.firstLoss.toFixed(4)} (first ${k} steps) → ${card.finalLoss.toFixed(4)} (last ${k}); held-out ${r.evalLoss?.toFixed(4) ?? 'n/a'}`);
    for (const s of r.samples) console.log(`  ${s.id}\n    reference: ${s.reference}\n    generated: ${s.generated}`);
    console.log(`wrote ${Object.keys(written).length} files (${total} bytes) + pretrain_log.jsonl to ${out} in ${mmss(wallSec)}`);
  } finally {
    await hp.close();
  }
}

let args: PretrainArgs;
try {
  args = parsePretrainArgs(process.argv.slice(2));
} catch (e) {
  console.error(`pretrain: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
(args.bench ? bench(args) : pretrain(args)).then(() => process.exit(0), (e: Error) => {
  console.error(`pretrain: failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
