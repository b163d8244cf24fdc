/**
 * `npm run real-size -- --preset smolvlm-256m|smolvlm-500m` (or `--quick`): a random model with
 * the exact architecture, vocabulary (49280) and file structure of SmolVLM-256M/500M-Instruct,
 * taken through the path a user takes in a tab — through the CLI's headless-Chromium session
 * (scripts/cli/browser.ts) and the real protocol:
 *
 *   write     the model folder (scripts/tiny-model presets; reused when already written)
 *   start     Vite + Chromium + the engine Worker
 *   load      load-model (every tensor checked against config.json, weights uploaded)
 *   embed     4 images + 4 texts (E5-V prompts)
 *   data      load-data: synthetic scenes, vision features encoded (and cached)
 *   train     2 VladVA steps at batch 4 (contrastive + next-token); skipped with --train-steps 0
 *   contrast  one VladVA update over a contrastive batch of 64, gradient-cached in chunks of 8
 *   export    the PEFT adapter of the last run (adapter_config.json, adapter_model.safetensors, soft prompts)
 *   eval      synthetic test retrieval + probes on 8 scenes with the tuned adapter
 *
 * Each phase prints wall time, the peak of the engine's GPU buffer pool in the phase
 * (`gpu-memory`), and the peak RSS of the browser's processes (rss.ts). Results go to
 * OUT/real-size.json after every phase (a long run that is stopped keeps what it measured),
 * OUT/eval.json and OUT/adapter/. Exit 0 when every phase passed its check, 1 when one failed
 * (the error names it), 2 on a bad command line.
 * Not a test: a full-size run takes hours on SwiftShader; `--quick` is the CI smoke test's.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { EngineEvent, GpuMemory, TrainStateEvent } from '../../src/protocol/messages.ts';
import { BrowserSession } from '../cli/browser.ts';
import { planSyntheticEval } from '../cli/evaluate.ts';
import { presetOptions } from '../tiny-model/presets.ts';
import { buildTinyModel } from '../tiny-model/tiny-model.ts';
import { writeFolderFiles } from '../tiny-model/write-folder.ts';
import { defaultOut, parseRealSizeArgs, RealSizeArgsError, type RealSizeArgs } from './args.ts';
import { rssSampler } from './rss.ts';

export interface PhaseResult {
  phase: string;
  seconds: number;
  /** Peak bytes held by the engine's buffer pool during the phase (null before the page). */
  gpuPeakBytes: number | null;
  /** Peak summed RSS of the browser's processes during the phase. */
  rssPeakBytes: number | null;
  detail: string;
}

const MiB = 2 ** 20;
const say = (line: string) => process.stderr.write(line + '\n');
const mib = (b: number | null) => (b === null ? 'n/a' : (b / MiB).toFixed(0));

/** Writes the preset folder unless OUT/model already holds the same options (stamp file). */
function writeModel(a: RealSizeArgs, dir: string): string {
  const opts = presetOptions(a.preset, a.layers !== null ? { layers: a.layers } : {});
  const stamp = JSON.stringify({ preset: a.preset, layers: a.layers, numMerges: opts.numMerges, seed: opts.seed });
  const stampPath = join(dir, '.real-size-stamp');
  if (existsSync(stampPath) && readFileSync(stampPath, 'utf8') === stamp) return `reused ${dir}`;
  rmSync(dir, { recursive: true, force: true });
  const m = buildTinyModel(opts);
  const bytes = writeFolderFiles(dir, m.files);
  writeFileSync(stampPath, stamp);
  const t = m.config.text;
  return `${Object.keys(m.files).length} files, ${(bytes / MiB).toFixed(0)} MiB (text ${t.hidden_size}×${t.num_hidden_layers}, vocab ${t.vocab_size})`;
}

function table(rows: PhaseResult[]): string {
  const lines = ['| phase | s | GPU pool peak (MiB) | browser RSS peak (MiB) | detail |', '|---|---:|---:|---:|---|'];
  for (const r of rows) lines.push(`| ${r.phase} | ${r.seconds.toFixed(1)} | ${mib(r.gpuPeakBytes)} | ${mib(r.rssPeakBytes)} | ${r.detail} |`);
  return lines.join('\n');
}

export async function runRealSize(a: RealSizeArgs): Promise<PhaseResult[]> {
  const out = resolve(a.out ?? defaultOut(a));
  const modelDir = join(out, 'model');
  mkdirSync(out, { recursive: true });
  const phases: PhaseResult[] = [];
  const s = new BrowserSession();
  let pageUp = false;
  const save = () => writeFileSync(join(out, 'real-size.json'), JSON.stringify({ args: a, date: new Date().toISOString(), phases }, null, 2) + '\n');

  async function phase(name: string, f: () => Promise<string> | string): Promise<void> {
    const rss = rssSampler();
    const t0 = performance.now();
    say(`real-size: ${name} …`);
    const detail = await f();
    const seconds = (performance.now() - t0) / 1000;
    const mem: GpuMemory | null = pageUp ? await s.request('gpu-memory', { resetPeak: true }) : null;
    const r: PhaseResult = { phase: name, seconds, gpuPeakBytes: mem?.peakLiveBytes ?? null, rssPeakBytes: rss.stop(), detail };
    phases.push(r);
    save();
    say(`real-size: ${name} ${seconds.toFixed(1)} s, GPU pool peak ${mib(r.gpuPeakBytes)} MiB, browser RSS ${mib(r.rssPeakBytes)} MiB — ${detail}`);
  }

  /** Starts a run and waits for it to end; returns the losses of its steps. */
  async function trainRun(runId: string, config: Record<string, unknown>): Promise<number[]> {
    const losses: number[] = [];
    const ended = new Promise<TrainStateEvent>((res) => {
      s.onEvents = (events: EngineEvent[]) => {
        for (const e of events) {
          if (e.type === 'train-metrics') {
            losses.push(e.loss);
            say(`real-size:   step ${e.step}/${e.totalSteps} loss ${e.loss.toFixed(4)} (${(e.examplesPerSec).toFixed(2)} ex/s)`);
          } else if (e.type === 'train-state' && (e.state === 'stopped' || e.state === 'error')) res(e);
        }
      };
    });
    await s.request('train-start', { runId, config });
    const end = await ended;
    if (end.state === 'error') throw new Error(`${runId}: ${end.errorName}: ${end.message}`);
    if (losses.length !== config.steps || !losses.every(Number.isFinite)) throw new Error(`${runId}: losses ${losses.join(', ')}`);
    return losses;
  }

  const profile = mkdtempSync(join(tmpdir(), 'discern-real-size-'));
  try {
    await phase('write', () => writeModel(a, modelDir));
    await phase('start', async () => {
      await s.start(profile);
      pageUp = true;
      return (await s.request('device-info', {})).summary;
    });
    await phase('load', async () => {
      const info = await s.request('load-model', { source: { kind: 'url', url: s.mount('model', { dir: modelDir }), name: basename(modelDir) } });
      return `${info.name}: hidden ${info.hidden}, ${info.layers} layers, ${info.tokensPerImage} tokens/image`;
    });
    const plan = planSyntheticEval(Math.max(a.evalScenes, a.embedCount), a.seed);
    const evalMount = s.mount('eval', { files: plan.files });
    const fetchImages = (paths: string[]) => paths.map((p) => ({ __fetch: evalMount + p, path: p }));
    await phase('embed', async () => {
      const r = await s.request('embed', { texts: plan.texts.slice(0, a.embedCount), images: fetchImages(plan.images.slice(0, a.embedCount)), base: true });
      const t = new Float32Array(r.texts!), im = new Float32Array(r.images!);
      if (t.length !== a.embedCount * r.dim || im.length !== a.embedCount * r.dim || ![...t, ...im].every(Number.isFinite)) throw new Error('embed: wrong or non-finite embeddings');
      return `${a.embedCount} images + ${a.embedCount} texts → dim ${r.dim}`;
    });
    await phase('data', async () => {
      const d = await s.request('load-data', { kind: 'synthetic', count: Math.max(a.contrastBatch, a.trainBatch), seed: a.seed });
      return `${d.train} train / ${d.validation} validation, ${d.images} images encoded`;
    });
    const common = { seed: a.seed, lr: 1e-4, warmupSteps: 0, checkpointEvery: 0, validateEvery: 0, maxLongTokens: 64 };
    if (a.trainSteps > 0) await phase('train', async () => {
      const l = await trainRun('real-size-train', { ...common, steps: a.trainSteps, batchSize: a.trainBatch, chunkSize: a.trainBatch });
      return `${a.trainSteps} VladVA steps at batch ${a.trainBatch}: loss ${l.map((x) => x.toFixed(3)).join(' → ')}`;
    });
    await phase('contrast', async () => {
      const l = await trainRun('real-size-contrast', { ...common, steps: 1, batchSize: a.contrastBatch, chunkSize: a.chunk });
      return `1 VladVA update over batch ${a.contrastBatch} in chunks of ${a.chunk}: loss ${l[0].toFixed(3)}`;
    });
    await phase('export', async () => {
      const exp = await s.request('export-adapter', {});
      const dir = join(out, 'adapter');
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true });
      for (const f of exp.files) writeFileSync(join(dir, f.name), new Uint8Array(f.bytes));
      const cfg = JSON.parse(readFileSync(join(dir, 'adapter_config.json'), 'utf8'));
      if (cfg.base_model_name_or_path !== basename(modelDir)) throw new Error(`export: base_model_name_or_path ${cfg.base_model_name_or_path}`);
      const kb = readdirSync(dir).reduce((n, f) => n + readFileSync(join(dir, f)).byteLength, 0) / 1024;
      return `${exp.files.length} files, ${kb.toFixed(0)} KiB (base model "${cfg.base_model_name_or_path}")`;
    });
    await phase('eval', async () => {
      const r = await s.request('embed', { texts: plan.texts, images: fetchImages(plan.images) });
      const report = plan.score(new Float32Array(r.texts!), new Float32Array(r.images!), r.dim);
      writeFileSync(join(out, 'eval.json'), JSON.stringify(report, null, 2) + '\n');
      return `${plan.n} scenes: text→image R@1 ${(100 * report.retrieval.textToImage[1]).toFixed(1)} %, SugarCrepe macro ${(100 * report.sugarcrepe.macro).toFixed(1)} %`;
    });
    return phases;
  } finally {
    await s.close();
    rmSync(profile, { recursive: true, force: true });
    save();
    process.stdout.write(table(phases) + '\n');
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  let a: RealSizeArgs;
  try {
    a = parseRealSizeArgs(process.argv.slice(2));
  } catch (e) {
    say(e instanceof RealSizeArgsError ? e.message : String(e));
    process.exit(2);
  }
  runRealSize(a).then(() => process.exit(0), (e: Error) => {
    say(`real-size: FAILED: ${e.stack ?? e.message}`);
    process.exit(1);
  });
}
