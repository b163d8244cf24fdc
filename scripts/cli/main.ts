// `discern train|embed|eval` (bin/discern.mjs → runCli). Node side of the CLI: checks the
// command line and local inputs, starts the browser session (browser.ts), relays protocol
// requests to the engine Worker in the page, and writes the outputs. See USAGE (args.ts)
// for the commands and the exit codes a script can rely on.
import { appendFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EngineEvent, TrainMetricsEvent, TrainStateEvent } from '../../src/protocol/messages.ts';
import { EXIT, parseArgs, USAGE, type CliArgs, type EmbedArgs, type EvalArgs, type TrainArgs } from './args.ts';
import { BrowserSession, EngineReplyError } from './browser.ts';
import { formatEval, planSyntheticEval } from './evaluate.ts';
import { adapterFiles, BadInputError, dataFiles, imageFiles, modelSource, readJsonConfig, textLines } from './inputs.ts';
import { encodeNpy } from './npy.ts';
import { watchForStop, type StopWatch } from './stop.ts';

const BAD_INPUT = new Set(['BadInputError', 'DataInputError', 'DatasetError', 'ModelFileError', 'MissingFileError', 'ConfigError',
  'UnsupportedArchitectureError', 'PeftFormatError', 'AdapterMismatchError', 'TrainConfigError', 'ImageDecodeError', 'SyntaxError',
  'VisionInputError', 'HttpSourceError', 'TrainDataError']);
const NO_GPU = new Set(['WebGpuUnavailableError', 'GpuDeviceLostError']);

export function exitCodeFor(e: unknown): number {
  const name = (e as Error)?.name ?? '';
  if (name === 'UsageError') return EXIT.usage;
  if (BAD_INPUT.has(name)) return EXIT.badInput;
  if (NO_GPU.has(name)) return EXIT.noGpu;
  if (name === 'NonFiniteLossError') return EXIT.diverged;
  return EXIT.failed;
}

const say = (line: string) => process.stderr.write(line + '\n');

/** `profile`: a Chromium profile folder to keep (train stop/resume); otherwise a throwaway one. */
async function withBrowser<T>(verbose: boolean, f: (s: BrowserSession) => Promise<T>, prepare: (s: BrowserSession) => Promise<unknown>, profile?: string, port?: number): Promise<T> {
  const s = new BrowserSession();
  if (verbose) s.log = say;
  const dir = profile ?? mkdtempSync(join(tmpdir(), 'discern-profile-'));
  try {
    await prepare(s); // local input checks before anything is launched
    await s.start(dir, port);
    const dev = await s.request('device-info', {});
    say(`discern: ${dev.summary}`);
    return await f(s);
  } finally {
    await s.close();
    if (!profile) rmSync(dir, { recursive: true, force: true });
  }
}

async function loadModel(s: BrowserSession, model: string | null): Promise<void> {
  const info = await s.request('load-model', { source: modelSource(s, model) });
  say(`discern: model ${info.name} (hidden ${info.hidden}, ${info.layers} layers, ${info.tokensPerImage} tokens/image)`);
}

/** What `train --resume DIR` needs: written to DIR/run.json when a signal stopped the run. */
interface RunFile {
  state: 'stopped' | 'done';
  reason: string | null;
  runId: string;
  step: number;
  totalSteps: number;
  /** The CLI page's port: the checkpoint lives in that origin's IndexedDB. */
  port: number;
  args: TrainArgs;
  config: Record<string, unknown>;
}

const PROFILE = 'resume-profile';

function readRunFile(dir: string): RunFile {
  const path = join(resolve(dir), 'run.json');
  if (!existsSync(path)) throw new BadInputError(`--resume ${dir}: no run.json there (only a run stopped by a signal can be resumed)`);
  const r = JSON.parse(readFileSync(path, 'utf8')) as RunFile;
  if (r.state !== 'stopped') throw new BadInputError(`${path}: the run is ${r.state}, nothing to resume`);
  if (!existsSync(join(resolve(dir), PROFILE))) throw new BadInputError(`--resume ${dir}: ${PROFILE}/ (the checkpoint) is missing`);
  return r;
}

/**
 * Training, fresh or resumed. The browser profile is a temp folder; if a signal stops the run
 * it is copied to OUT/resume-profile (it holds the IndexedDB checkpoint of the last step) next
 * to OUT/run.json. A resume trains in OUT/resume-profile itself and removes it when done.
 */
async function train(a: TrainArgs, verbose: boolean, resume: RunFile | null = null): Promise<number> {
  const out = resolve(a.out);
  let config: Record<string, unknown>;
  if (resume) config = resume.config;
  else {
    const fileCfg = a.config ? readJsonConfig(a.config) : {};
    config = {
      ...fileCfg, steps: a.steps, batchSize: a.batch, seed: a.seed,
      chunkSize: a.chunk ?? Math.min(a.batch, typeof fileCfg.chunkSize === 'number' ? fileCfg.chunkSize : 16),
      ...(a.lr !== null ? { lr: a.lr } : {}),
    };
    if (fileCfg.warmupSteps === undefined) config.warmupSteps = Math.min(50, Math.floor(a.steps / 10));
  }
  const metricsPath = join(out, 'metrics.jsonl');
  const profile = resume ? join(out, PROFILE) : mkdtempSync(join(tmpdir(), 'discern-train-'));
  const stop: StopWatch = watchForStop(say, (c) => process.exit(c), EXIT.stopped);
  let stoppedRun: RunFile | null = null;
  let finished = false;
  try {
    return await withBrowser(verbose, async (s) => {
      await loadModel(s, a.model);
      const data = a.data === 'synthetic'
        ? await s.request('load-data', { kind: 'synthetic', count: a.count ?? Math.max(32, 4 * a.batch), seed: a.seed })
        : await s.request('load-data', { kind: 'files', files: await dataFiles(s, a.data) });
      say(`discern: data ${data.file}: ${data.train} train / ${data.validation} validation examples, ${data.images} images ` +
        `(${data.cacheHits} cached, ${data.cacheMisses} encoded)`);
      for (const p of data.problems.slice(0, 20)) say(`discern: skipped ${p.file}${p.line ? `:${p.line}` : p.path ? ` at ${p.path}` : ''}: ${p.reason}`);
      if (stop.reason) {
        say(`discern: ${stop.reason} before training started; nothing to save`);
        return EXIT.stopped;
      }
      mkdirSync(out, { recursive: true });
      if (!resume) writeFileSync(metricsPath, '');
      let total = typeof config.steps === 'number' ? config.steps : 0;
      const ended = new Promise<TrainStateEvent>((res) => {
        s.onEvents = (events: EngineEvent[]) => {
          for (const e of events) {
            if (e.type === 'train-metrics') {
              total = e.totalSteps;
              appendFileSync(metricsPath, JSON.stringify(metricsLine(e)) + '\n');
              say(`step ${e.step}/${e.totalSteps}  loss ${e.loss.toFixed(4)} (contrastive ${e.contrastive.toFixed(4)}, next-token ${e.nextToken.toFixed(4)})  ` +
                `lr ${e.lr.toExponential(2)}  ${e.examplesPerSec.toFixed(1)} ex/s  eta ${Math.round(e.etaSeconds)} s`);
            } else if (e.type === 'train-state' && (e.state === 'stopped' || e.state === 'error')) res(e);
            else if (e.type === 'checkpoint-saved') say(`discern: checkpoint at step ${e.step} (${(e.bytes / 1e6).toFixed(2)} MB)`);
            else if (e.type === 'train-warning') say(`discern: warning (${e.kind}) at step ${e.step}: ${e.message}`);
            else if (e.type === 'train-validation') say(`discern: validation ${e.name} = ${e.value.toFixed(4)}`);
          }
        };
      });
      if (resume) {
        const held = await s.request('list-checkpoints', { runId: resume.runId });
        if (!held.runs.some((r) => r.runId === resume.runId && r.entries.length > 0)) throw new BadInputError(`--resume ${a.out}: ${PROFILE}/ holds no checkpoint of run ${resume.runId}`);
      }
      const started = await s.request('train-start', { config, runId: resume?.runId ?? a.run ?? undefined });
      say(`discern: run ${started.runId}${started.resumedFrom !== null ? ` resumed from step ${started.resumedFrom}` : ''}`);
      // train-stop finishes the current step and checkpoints it; its 'stopped' event ends `ended`.
      stop.onStop(() => void s.request('train-stop', {}).catch((e: Error) => say(`discern: train-stop: ${e.message}`)));
      const end = await ended;
      if (end.state === 'error') throw new EngineReplyError({ name: end.errorName ?? 'Error', message: end.message ?? 'training failed' });
      const exp = await s.request('export-adapter', {});
      for (const f of exp.files) writeFileSync(join(out, f.name), new Uint8Array(f.bytes));
      const written = [...exp.files.map((f) => f.name), 'metrics.jsonl'];
      if (stop.reason && end.step < total) {
        stoppedRun = { state: 'stopped', reason: stop.reason, runId: started.runId, step: end.step, totalSteps: total, port: s.port, args: a, config: started.config };
        say(`discern: stopped (${stop.reason}) after step ${end.step}/${total}; wrote ${[...written, 'run.json', `${PROFILE}/`].join(', ')} to ${out}; ` +
          `continue with: discern train --resume ${a.out}`);
        return EXIT.stopped;
      }
      finished = true;
      say(`discern: ${end.message ?? 'done'}; wrote ${written.join(', ')} to ${out}`);
      return EXIT.ok;
    }, async (s) => (a.data === 'synthetic' ? null : dataFiles(s, a.data)), profile, resume?.port);
  } finally {
    stop.dispose();
    // The browser is closed now, so the profile on disk is complete.
    if (stoppedRun) {
      if (!resume) {
        rmSync(join(out, PROFILE), { recursive: true, force: true });
        cpSync(profile, join(out, PROFILE), { recursive: true });
      }
      writeFileSync(join(out, 'run.json'), JSON.stringify(stoppedRun, null, 1) + '\n');
    } else if (resume && finished) {
      rmSync(join(out, PROFILE), { recursive: true, force: true });
      writeFileSync(join(out, 'run.json'), JSON.stringify({ ...resume, state: 'done' }, null, 1) + '\n');
    }
    if (!resume) rmSync(profile, { recursive: true, force: true });
  }
}

function metricsLine(e: TrainMetricsEvent) {
  const { type: _t, runId: _r, ...rest } = e;
  return rest;
}

async function embed(a: EmbedArgs, verbose: boolean): Promise<number> {
  const texts = a.texts ? textLines(a.texts) : undefined;
  return withBrowser(verbose, async (s) => {
    await loadModel(s, a.model);
    if (a.adapter) {
      const r = await s.request('load-adapter', { files: await adapterFiles(s, a.adapter) });
      say(`discern: adapter rank ${r.rank} on ${r.modules.join(',')}${r.softPrompts ? ' + soft prompts' : ''}`);
    }
    const images = a.images.length ? await imageFiles(s, a.images) : undefined;
    const r = await s.request('embed', { texts, images });
    for (const p of r.problems) say(`discern: skipped ${p.file}: ${p.reason}`);
    if (images && r.imageNames.length === 0) throw new BadInputError(`--images: none of the ${images.length} image(s) could be decoded`);
    const both = !!(texts && images);
    const stem = a.out.replace(/\.npy$/i, '');
    mkdirSync(dirname(resolve(a.out)), { recursive: true });
    const write = (path: string, buf: ArrayBuffer) => {
      const data = new Float32Array(buf);
      writeFileSync(path, encodeNpy(data, [data.length / r.dim, r.dim]));
      say(`discern: wrote ${path} [${data.length / r.dim}, ${r.dim}]`);
    };
    if (r.images) write(both ? `${stem}.images.npy` : a.out, r.images);
    if (r.texts) write(both ? `${stem}.texts.npy` : a.out, r.texts);
    if (both) writeFileSync(`${stem}.json`, JSON.stringify({ images: r.imageNames, texts }, null, 1) + '\n');
    return EXIT.ok;
  }, async (s) => (a.images.length ? imageFiles(s, a.images) : null));
}

async function evaluate(a: EvalArgs, verbose: boolean): Promise<number> {
  const plan = planSyntheticEval(a.count, a.seed);
  return withBrowser(verbose, async (s) => {
    await loadModel(s, a.model);
    if (a.adapter) await s.request('load-adapter', { files: await adapterFiles(s, a.adapter) });
    const prefix = s.mount('eval', { files: plan.files });
    const r = await s.request('embed', { texts: plan.texts, images: plan.images.map((p) => ({ __fetch: prefix + p, path: p })) });
    if (r.imageNames.length !== plan.images.length) throw new Error(`eval: ${plan.images.length - r.imageNames.length} synthetic image(s) failed to decode`);
    const report = plan.score(new Float32Array(r.texts!), new Float32Array(r.images!), r.dim);
    process.stdout.write(formatEval(report) + '\n');
    if (a.out) writeFileSync(a.out, JSON.stringify(report, null, 2) + '\n');
    return EXIT.ok;
  }, async (s) => (a.adapter ? adapterFiles(s, a.adapter) : null));
}

export async function runCli(argv: readonly string[]): Promise<number> {
  let args: CliArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    say(`discern: ${(e as Error).message}\n\n${USAGE}`);
    return EXIT.usage;
  }
  const verbose = process.env.DISCERN_VERBOSE === '1';
  try {
    switch (args.command) {
      case 'help':
        process.stdout.write(USAGE);
        return EXIT.ok;
      case 'train':
        return await train(args, verbose);
      case 'resume': {
        const r = readRunFile(args.dir);
        return await train({ ...r.args, out: args.dir }, verbose, r);
      }
      case 'embed':
        return await embed(args, verbose);
      case 'eval':
        return await evaluate(args, verbose);
    }
  } catch (e) {
    const code = exitCodeFor(e);
    const err = e as Error;
    const msg = (err?.message ?? String(e)).replace(/^page\.evaluate: (Error: )?/, '');
    say(`discern: ${code === EXIT.failed ? 'FAILED' : err.name}: ${msg}`);
    return code;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
