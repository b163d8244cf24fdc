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
//     crash late in a long run still leaves a loadable model, and with it the trainer state
//     (state.ts, <out>/pretrain_state/): `--resume` continues from there exactly, appending to
//     the log; `--stop-after N` ends a sitting with such a checkpoint at step N.
// With --bench [--quick] (bench.ts): a short fixed run that writes nothing and prints
// examples/s, ms/step and GPU API counts per step (+ a `BENCH {json}` line, load average in it).
// Exit codes: 0 ok; 1 the run failed; 2 bad command line.
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import type { PretrainProgress } from '../../src/engine/train/pretrain/run.ts';
import { openHeadlessPage, REPO_ROOT as ROOT } from '../headless-page.ts';
import { BENCH_WARMUP, commandLine, DEFAULTS, modelDims, parsePretrainArgv, PretrainArgsError, USAGE, type PretrainArgs } from './args.ts';
import { formatBench, summarizeBench } from './bench.ts';
import type { CardInfo } from './card.ts';
import { writeFolderFiles } from '../tiny-model/write-folder.ts';
import { initialModel, trainedFiles } from './model-files.ts';
import type { EncodedCheckpoint, EncodedResume, PageResult } from './pretrain-page.ts';
import { readTrainerState, resumeArgs, STATE_DIR, writeTrainerState } from './state.ts';

function f32(s: string): Float32Array {
  const b = Buffer.from(s, 'base64');
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
const b64f32 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString('base64');

function decodeWeights(w: Record<string, string>): Map<string, Float32Array> {
  return new Map(Object.entries(w).map(([k, v]) => [k, f32(v)]));
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
  const init = initialModel({ seed: a.seed, imageSize: a.imageSize, dims: modelDims(a) });
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
    checkpointEvery: a.checkpointEvery, stopAfter: a.stopAfter || undefined,
  };
}

/** Step losses of the log, the latest line per step, for steps ≤ upTo (a resumed run's history). */
function loggedLosses(logPath: string, upTo: number): { losses: number[]; resumes: number[] } {
  const byStep = new Map<number, number>();
  const resumes: number[] = [];
  for (const line of readFileSync(logPath, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const r = JSON.parse(line) as { type: string; step?: number; loss?: number; fromStep?: number };
    if (r.type === 'step' && r.step! <= upTo) byStep.set(r.step!, r.loss!);
    if (r.type === 'resume' && r.fromStep! <= upTo) resumes.push(r.fromStep!);
  }
  return { losses: [...byStep].sort((x, y) => x[0] - y[0]).map(([, l]) => l), resumes };
}

/** --init-from DIR: that folder's model.safetensors, refused unless its config.json is the one
 * these options build (same dims, vocabulary and tokenizer ids), so the tensors line up. */
function initWeights(dir: string, config: Uint8Array): Uint8Array {
  const d = resolve(ROOT, dir);
  const cfg = join(d, 'config.json');
  if (!existsSync(cfg)) throw new PretrainArgsError(`--init-from: no ${cfg}`);
  if (!Buffer.from(config).equals(readFileSync(cfg))) {
    throw new PretrainArgsError(`--init-from: ${cfg} is not the config these options build (dims, image size or vocabulary differ)`);
  }
  return new Uint8Array(readFileSync(join(d, 'model.safetensors')));
}

async function pretrain(cli: PretrainArgs, given: ReadonlySet<keyof PretrainArgs>): Promise<void> {
  const t0 = performance.now();
  const out = resolve(ROOT, cli.out);
  mkdirSync(out, { recursive: true });
  const logPath = join(out, 'pretrain_log.jsonl');
  const saved = cli.resume ? await readTrainerState(out) : null;
  const a = saved ? resumeArgs(saved.saved, cli, given) : cli;
  const init = initialModel({ seed: a.seed, imageSize: a.imageSize, dims: modelDims(a) });
  const losses: number[] = [];
  const resumes: number[] = [];
  const files: Record<string, Uint8Array> = { ...init.files };
  if (saved) {
    if (!Buffer.from(init.files['config.json']).equals(readFileSync(join(out, 'config.json')))) {
      throw new PretrainArgsError(`--resume: ${join(out, 'config.json')} is not the config these options build`);
    }
    files['model.safetensors'] = new Uint8Array(readFileSync(join(out, 'model.safetensors')));
    const h = loggedLosses(logPath, saved.state.step);
    losses.push(...h.losses);
    resumes.push(...h.resumes, saved.state.step);
    appendFileSync(logPath, JSON.stringify({ type: 'resume', fromStep: saved.state.step, command: `${commandLine(a)} --resume`, steps: a.steps,
      date: new Date().toISOString(), note: 'step lines after fromStep above this line were redone' }) + '\n');
    console.log(`pretrain: resuming ${out} from step ${saved.state.step} of ${a.steps} (epoch ${saved.saved.epoch}, item ${saved.saved.epochPosition})`);
  } else {
    if (a.initFrom) files['model.safetensors'] = initWeights(a.initFrom, init.files['config.json']);
    writeFileSync(logPath, JSON.stringify({ type: 'config', command: commandLine(a), ...a }) + '\n');
  }
  const nParams = Object.values(init.weights).reduce((n, t) => n + t.data.length, 0);
  console.log(`pretrain: initial model vocab ${init.config.text.vocab_size}, ${init.config.imageTokensPerImage} image tokens, ` +
    `${nParams} parameters (model.safetensors ≈ ${(nParams * 4 / 1e6).toFixed(1)} MB f32)`);
  const wallBefore = saved?.saved.wallMs ?? 0;

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
  const wallMs = () => wallBefore + performance.now() - t0;
  const cardOf = (extra: Partial<CardInfo>): CardInfo => ({
    name: basename(out), dir: relative(ROOT, out) || '.', command: commandLine(a), steps: a.steps, batch: a.batch, lr: a.lr, warmupSteps: a.warmup, seed: a.seed,
    maxLongTokens: a.maxLongTokens, firstLoss: mean(losses.slice(0, k20())), finalLoss: mean(losses.slice(-k20())), evalLoss: null,
    trainSec: ((last as PretrainProgress | null)?.elapsedMs ?? saved?.state.elapsedMs ?? 0) / 1000, wallSec: wallMs() / 1000,
    tokensPerSec: (last as PretrainProgress | null)?.tokensPerSec ?? 0, samples: [], resumes, initFrom: a.initFrom || undefined, ...extra,
  });
  const save = (c: EncodedCheckpoint, card: CardInfo): number => {
    const written = trainedFiles(init, decodeWeights(c.weights), card);
    const bytes = writeModel(out, written);
    const moments = new Map(Object.entries(c.moments).map(([k, { m, v }]) => [k, { m: f32(m), v: f32(v) }]));
    writeTrainerState(out, { ...c, moments }, a, written['model.safetensors'], wallMs());
    return bytes;
  };
  const onCheckpoint = (c: EncodedCheckpoint) => {
    const bytes = save(c, cardOf({ checkpointStep: c.step }));
    console.log(`checkpoint: step ${c.step} written to ${out} (${bytes} bytes) + ${STATE_DIR}/`);
  };
  const hp = await openHeadlessPage({
    entry: 'scripts/pretrain/pretrain.html', ready: '__discernPretrain', name: 'pretrain', echo: 'all',
    expose: { __discernPretrainProgress: onProgress, __discernPretrainCheckpoint: onCheckpoint },
  });
  try {
    const b64 = Object.fromEntries(Object.entries(files).map(([k, v]) => [k, Buffer.from(v).toString('base64')]));
    const opts = runOptions(a);
    const resume: EncodedResume | undefined = saved ? {
      ...saved.state, moments: Object.fromEntries([...saved.state.moments].map(([k, { m, v }]) => [k, { m: b64f32(m), v: b64f32(v) }])),
    } : undefined;
    const r: PageResult = await hp.page.evaluate(([f, o, res]) => window.__discernPretrain!.run(f, o, res), [b64, opts, resume] as const);
    if (r.stopped) {
      console.log(`\nstopped after step ${r.checkpoint.step} of ${a.steps} (--stop-after); continue with: npm run pretrain -- --resume` +
        (a.out !== DEFAULTS.out ? ` --out ${a.out}` : ''));
      return;
    }
    const card = cardOf({ evalLoss: r.evalLoss, trainSec: r.trainMs / 1000, samples: r.samples });
    const total = save(r.checkpoint, card);
    const k = k20(), wallSec = card.wallSec;
    appendFileSync(logPath, JSON.stringify({ type: 'summary', ...card }) + '\n');
    console.log(`\nloss ${card.firstLoss.toFixed(4)} (first ${k} steps) → ${card.finalLoss.toFixed(4)} (last ${k}); held-out ${r.evalLoss?.toFixed(4) ?? 'n/a'}`);
    for (const s of r.samples) console.log(`  ${s.id}\n    reference: ${s.reference}\n    generated: ${s.generated}`);
    console.log(`wrote ${total} bytes + pretrain_log.jsonl + ${STATE_DIR}/ to ${out} in ${mmss(wallSec)}`);
  } finally {
    await hp.close();
  }
}

let parsed: ReturnType<typeof parsePretrainArgv>;
try {
  parsed = parsePretrainArgv(process.argv.slice(2));
} catch (e) {
  console.error(`pretrain: ${(e as Error).message}\n${USAGE}`);
  process.exit(2);
}
(parsed.args.bench ? bench(parsed.args) : pretrain(parsed.args, parsed.given)).then(() => process.exit(0), (e: Error) => {
  if (e instanceof PretrainArgsError) {
    console.error(`pretrain: ${e.message}`);
    process.exit(2);
  }
  console.error(`pretrain: failed: ${e.stack ?? e.message}`);
  process.exit(1);
});
