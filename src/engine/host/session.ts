// A training session inside the worker: one run at a time, driven cooperatively.
//
//   start(config, runId?)  validate → fresh Vlm (LoRA from the config) → Trainer.create, or,
//                          for a runId with checkpoints, Trainer.resume from its latest one;
//                          then the loop runs in the background and start() returns.
//   pause() / stop()       ask the loop to halt after the current step, wait for it, then
//                          checkpoint (so a reload resumes exactly here).
//   resume()               restart the loop.
// The loop awaits every step (GPU readbacks) and yields a macrotask between steps, so
// pause/stop/list messages are handled mid-run. Errors (NonFiniteLossError,
// StorageQuotaError, GpuDeviceLostError, …) end the run in state 'error' with their message.
import type { LiveProber } from './live_probes.ts';
import type { GpuContext } from '../gpu/context.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { listCheckpoints, loadCheckpoint, type KeyValueStore } from '../train/checkpoint/index.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import type { ModelFolder } from '../model/io/folder.ts';
import type { CheckpointRef, EngineEvent, TrainState } from '../../protocol/messages.ts';
import { loadVlm } from './model.ts';
import type { PortConfig, PortExample, StepReport, TrainerFactory, TrainerPort } from './trainer_port.ts';

export class TrainConfigError extends Error {
  override readonly name = 'TrainConfigError';
  constructor(readonly fields: { field: string; message: string }[]) {
    super(`invalid training config: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`);
  }
}

export class SessionStateError extends Error {
  override readonly name = 'SessionStateError';
}

export interface SessionInputs {
  ctx: GpuContext;
  folder: ModelFolder;
  modelId: string;
  /** [numImages, T·H] host copy of the feature table and the examples pointing into it. */
  features: Float32Array;
  numImages: number;
  train: PortExample[];
  validation: PortExample[];
  /** Live probes after each validation (live_probes.ts); absent = none. */
  probe?: LiveProber;
}

const ETA_WINDOW = 5;
const yieldTask = () => new Promise<void>((r) => setTimeout(r, 0));

export class TrainingSession {
  state: TrainState = 'idle';
  trainer: TrainerPort | null = null;
  vlm: Vlm | null = null;
  private table: GpuTensor | null = null;
  private loop: Promise<void> | null = null;
  private halt = false;
  private recent: number[] = [];
  private lastCheckpoint: CheckpointRef | null = null;
  private validationCount = 0;
  private probe: LiveProber | null = null;
  private ctx: GpuContext | null = null;

  constructor(
    private readonly factory: TrainerFactory,
    private readonly emit: (e: EngineEvent) => void,
    private readonly store?: KeyValueStore,
  ) {}

  get runId(): string | null {
    return this.trainer?.runId ?? null;
  }

  private setState(state: TrainState, extra: { message?: string; errorName?: string } = {}): void {
    this.state = state;
    this.emit({ type: 'train-state', state, runId: this.runId, step: this.trainer?.stepsDone ?? 0, ...extra });
  }

  async start(inp: SessionInputs, config: Record<string, unknown> = {}, runId?: string): Promise<{ runId: string; resumedFrom: number | null; config: Record<string, unknown> }> {
    if (this.state === 'running') throw new SessionStateError(`train-start: run "${this.runId}" is running; pause or stop it first`);
    const existing = runId ? await listCheckpoints(runId, this.store) : null;
    const ckpt = existing && existing.entries.length ? await loadCheckpoint(runId!, 'latest', this.store) : null;
    if (ckpt && ckpt.modelId !== inp.modelId) {
      throw new SessionStateError(`train-start: run "${runId}" was trained on model ${ckpt.modelId}, but ${inp.modelId} is loaded`);
    }
    const checked = this.factory.validate(ckpt ? ckpt.config : { ...this.factory.defaults(), ...config });
    if ('errors' in checked) throw new TrainConfigError(checked.errors);
    const cfg = checked.config;
    this.disposeRun();
    this.ctx = inp.ctx;
    this.validationCount = inp.validation.length;
    this.probe = inp.probe ?? null;
    try {
      this.vlm = await loadVlm(inp.ctx, inp.folder, { lora: cfg.lora, seed: cfg.seed });
      const shape = [inp.numImages, this.vlm.tokensPerImage, this.vlm.dims.hidden];
      if (inp.features.length !== shape[0] * shape[1] * shape[2]) {
        throw new SessionStateError(`train-start: feature table holds ${inp.features.length} values, expected [${shape}] — reload the data after changing the model`);
      }
      this.table = inp.ctx.upload(inp.features, shape, 'host.featureTable');
      const data = { features: this.table, train: inp.train, validation: inp.validation };
      this.trainer = ckpt
        ? await this.factory.resume(inp.ctx, this.vlm, data, ckpt, { store: this.store })
        : await this.factory.create(inp.ctx, this.vlm, data, cfg, { runId: runId ?? `run-${Date.now().toString(36)}`, modelId: inp.modelId, store: this.store });
    } catch (e) {
      this.disposeRun(); // e.g. TrainDataError (batch larger than the data): free the fresh Vlm and table
      throw e;
    }
    this.lastCheckpoint = ckpt ? { runId: ckpt.runId, step: ckpt.step, bytes: 0 } : null;
    this.run();
    return { runId: this.trainer.runId, resumedFrom: ckpt ? ckpt.step : null, config: cfg as unknown as Record<string, unknown> };
  }

  /** Emits train-probes for the run's current adapters; a failing prober is dropped, not fatal. */
  private async liveProbes(runId: string, step: number): Promise<void> {
    if (!this.probe || !this.vlm) return;
    try {
      this.emit(await this.probe(this.vlm, runId, step));
    } catch (e) {
      console.warn(`live probes switched off: ${(e as Error).message}`);
      this.probe = null;
    }
  }

  /** Starts the background loop (state → running). */
  private run(): void {
    this.halt = false;
    this.recent = [];
    this.setState('running');
    this.loop = this.loopBody().finally(() => (this.loop = null));
  }

  private async loopBody(): Promise<void> {
    const t = this.trainer!;
    let lastValidated = -1;
    try {
      while (!this.halt && !t.done) {
        const r = await t.runStep();
        this.emit(this.metrics(t, r));
        if (r.warning) this.emit({ type: 'train-warning', runId: t.runId, ...r.warning });
        if (r.validation) {
          this.emit({ type: 'train-validation', runId: t.runId, step: r.step, ...r.validation });
          await this.liveProbes(t.runId, r.step);
        }
        if (r.checkpoint) {
          this.lastCheckpoint = { runId: t.runId, ...r.checkpoint };
          this.emit({ type: 'checkpoint-saved', ...this.lastCheckpoint });
        }
        lastValidated = r.validation ? r.step : lastValidated;
        await yieldTask();
      }
      if (t.done && !this.halt) {
        await this.saveCheckpoint();
        if (this.validationCount >= 2 && lastValidated !== t.stepsDone) {
          const v = await t.validate();
          this.emit({ type: 'train-validation', runId: t.runId, step: t.stepsDone, ...v });
          await this.liveProbes(t.runId, t.stepsDone);
        }
        this.setState('stopped', { message: `completed ${t.stepsDone} steps` });
      }
    } catch (e) {
      const err = e instanceof Error ? e : new Error(String(e));
      if (this.state !== 'error') this.setState('error', { message: err.message, errorName: err.name }); // fail() may have reported it
    }
  }

  private metrics(t: TrainerPort, r: StepReport): EngineEvent {
    this.recent.push(r.seconds);
    if (this.recent.length > ETA_WINDOW) this.recent.shift();
    const mean = this.recent.reduce((a, b) => a + b, 0) / this.recent.length;
    const total = (t.config as PortConfig).steps;
    return {
      type: 'train-metrics', runId: t.runId, step: r.step, totalSteps: total, epoch: r.epoch,
      loss: r.loss, contrastive: r.contrastive, nextToken: r.nextToken, lr: r.lr, gradNorm: r.gradNorm,
      examplesPerSec: r.examplesPerSec, etaSeconds: Math.max(0, total - r.step) * mean, peakBytes: r.peakBytes, seconds: r.seconds,
    };
  }

  private async saveCheckpoint(): Promise<CheckpointRef | null> {
    const t = this.trainer!;
    if (this.lastCheckpoint?.step === t.stepsDone && this.lastCheckpoint.bytes > 0) return this.lastCheckpoint;
    if (t.stepsDone === 0) return null;
    const c = await t.checkpoint();
    this.lastCheckpoint = { runId: t.runId, step: c.step, bytes: c.bytes };
    this.emit({ type: 'checkpoint-saved', ...this.lastCheckpoint });
    return this.lastCheckpoint;
  }

  /** Halts the loop after its current step; resolves once it has. */
  private async halted(): Promise<void> {
    this.halt = true;
    await this.loop;
  }

  async pause(): Promise<{ state: TrainState; step: number; checkpoint: CheckpointRef | null }> {
    if (this.state !== 'running') throw new SessionStateError(`train-pause: nothing is running (state ${this.state})`);
    await this.halted();
    return this.settle('paused');
  }

  async stop(): Promise<{ state: TrainState; step: number; checkpoint: CheckpointRef | null }> {
    if (!this.trainer) throw new SessionStateError('train-stop: no run was started');
    if (this.state === 'running') await this.halted();
    if (this.state === 'stopped' || this.state === 'error') return { state: this.state, step: this.trainer.stepsDone, checkpoint: this.lastCheckpoint };
    return this.settle('stopped');
  }

  /** After the loop halted: checkpoint and enter `state`, unless the loop itself ended the run. */
  private async settle(state: 'paused' | 'stopped'): Promise<{ state: TrainState; step: number; checkpoint: CheckpointRef | null }> {
    const t = this.trainer!;
    if (this.state === 'running') {
      try {
        await this.saveCheckpoint();
        this.setState(state, state === 'stopped' ? { message: `stopped by the user at step ${t.stepsDone}` } : {});
      } catch (e) {
        const err = e instanceof Error ? e : new Error(String(e));
        this.setState('error', { message: err.message, errorName: err.name });
      }
    }
    return { state: this.state, step: t.stepsDone, checkpoint: this.lastCheckpoint };
  }

  /** The GPU context reported a fatal error (device lost): the run cannot continue. */
  fail(err: Error): void {
    if (!this.trainer || this.state === 'error' || this.state === 'idle') return;
    this.halt = true;
    this.setState('error', { message: err.message, errorName: err.name });
  }

  resume(): { state: TrainState; step: number } {
    if (this.state !== 'paused' || !this.trainer) throw new SessionStateError(`train-resume: the run is not paused (state ${this.state})`);
    this.run();
    return { state: this.state, step: this.trainer.stepsDone };
  }

  /** Frees the run's GPU state (Vlm, feature table, trainer). */
  disposeRun(): void {
    this.trainer?.dispose();
    this.vlm?.dispose();
    if (this.table) this.ctx?.release(this.table);
    this.trainer = null;
    this.vlm = null;
    this.table = null;
    this.state = 'idle';
  }
}
