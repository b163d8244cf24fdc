/**
 * The resumable VladVA training loop: data order, lr schedule, one gradient-cached step per
 * call, periodic validation and checkpoints, exact resume, PEFT export.
 *
 * Public API:
 *   class Trainer
 *     static create(ctx, vlm, data, cfg, { runId, modelId, store? })   — fresh run (LoRA from the init stream)
 *     static resume(ctx, vlm, data, ckpt, { store? })                   — continues a stored run exactly
 *     step() → StepReport        one optimizer update (+ validation / checkpoint when due)
 *     validate() → ValidationResult   retrieval R@1/5/10 both ways on data.validation
 *     checkpoint() → { step, bytes }  GPU state → TrainingCheckpoint → saveCheckpoint (pruned)
 *     exportPeft(meta?) → Map<file, bytes>
 *     stepsDone, done, runId, config, lastReport, lastGoodCheckpoint
 *     dispose()                  releases the trainer's tensors (not the Vlm, not data.features)
 *
 * Step k (1-based) uses lrAt(k − 1) (schedule.ts convention) and AdamW bias correction k.
 * Errors: NonFiniteLossError (vladva_step.ts) is rethrown after the last good state is stored
 *   and the latest checkpoint re-read (CRC-checked); the cursor is rewound to before the failed
 *   batch. StorageQuotaError from the store propagates; the GPU state is never touched by a save.
 * Ablations (config): trainLora false detaches the Vlm's adapters (checkpoints then hold an
 *   empty adapter record); trainSoftPrompts false keeps the soft prompts out of the trainables.
 * Trap: `step` is a method here; the completed-update count is `stepsDone` (a class cannot
 *   have both a `step()` method and a `step` getter).
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import type { Vlm } from '../../model/vlm/vlm.ts';
import { downloadAdapters } from '../../model/vlm/adapters.ts';
import {
  CHECKPOINT_FORMAT, CHECKPOINT_VERSION, loadCheckpoint, saveCheckpoint,
  type KeyValueStore, type TrainingCheckpoint,
} from '../checkpoint/index.ts';
import { exportPeft as exportPeftFiles, type PeftExportMeta } from '../peft/index.ts';
import { collectTrainables, releaseTrainables, type Trainable } from '../params.ts';
import { Rng } from '../rng.ts';
import { lrAt, type ScheduleConfig } from '../schedule.ts';
import { NonFiniteLossError, VladvaStep, type StepConfig } from '../vladva_step.ts';
import { ADAM_BETAS, validateTrainConfig, type TrainConfig } from './config.ts';
import { checkTrainData, gatherFeatures, type TrainData } from './data.ts';
import { TrainConfigError, TrainDataError, TrainerStateError } from './errors.ts';
import { DataOrder, INIT_STREAM } from './order.ts';
import { allFinite, downloadTrainState, nonFiniteParams, initAdapters, installAdapters, removeAdapters, uploadMoments, writeSoftPrompts, type TrainState } from './state.ts';
import { validateRetrieval, type ValidationResult } from './validation.ts';
import { LossWatch, type LossWarning } from './watch.ts';

export type KvStore = KeyValueStore;

export interface StepReport {
  /** Completed updates after this one (1-based). */
  step: number;
  /** Epochs completed, fractional (epoch index + position in it). */
  epoch: number;
  loss: number;
  contrastive: number;
  nextToken: number;
  lr: number;
  /** Before clipping. */
  gradNorm: number;
  examplesPerSec: number;
  peakBytes: number;
  seconds: number;
  /** Set when validation ran at this step (validateEvery). */
  validation: ValidationResult | null;
  /** Set when a checkpoint was saved at this step (checkpointEvery, or the final step). */
  checkpoint: { step: number; bytes: number } | null;
  /** Set when the loss looks wrong though finite (watch.ts: loss-rise, loss-stuck). */
  warning: LossWarning | null;
}

export interface TrainerOptions {
  runId: string;
  modelId: string;
  store?: KvStore;
}

/** Per-step series kept in the checkpoint (f32). */
const SERIES = ['loss', 'loss/contrastive', 'loss/nextToken', 'lr', 'gradNorm', 'val/step', 'val/R@1 t2i'] as const;
type Series = Record<(typeof SERIES)[number], number[]>;
const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;

function checkedConfig(cfg: unknown, where: string): TrainConfig {
  const r = validateTrainConfig(cfg);
  if ('errors' in r) throw new TrainConfigError(where, r.errors);
  return r.config;
}

export class Trainer {
  private readonly logTau: GpuTensor;
  private readonly trainables: Trainable[];
  private readonly stepper: VladvaStep;
  private readonly schedule: ScheduleConfig;
  private disposed = false;
  private lastValidation: { step: number; result: ValidationResult } | null = null;
  /** Seeded with the stored loss series, so a resumed run warns as the uninterrupted one. */
  private readonly watch: LossWatch;
  /** Step of the newest checkpoint known to be stored and readable, or null. */
  lastGoodCheckpoint: number | null = null;
  lastReport: StepReport | null = null;

  private constructor(
    readonly ctx: GpuContext,
    readonly vlm: Vlm,
    readonly data: TrainData,
    readonly config: TrainConfig,
    readonly runId: string,
    readonly modelId: string,
    private readonly store: KvStore | undefined,
    logTau: number,
    private order: DataOrder,
    private readonly initRng: Rng,
    private updates: number,
    private readonly series: Series,
  ) {
    this.logTau = ctx.upload(Float32Array.of(logTau), [1], 'logTau');
    this.trainables = collectTrainables(ctx, vlm, this.logTau, config.learnTemperature, { softPrompts: config.trainSoftPrompts });
    this.stepper = new VladvaStep(ctx, vlm, this.trainables, this.logTau);
    this.watch = new LossWatch(series.loss);
    this.schedule = { lr: config.lr, warmupSteps: config.warmupSteps, totalSteps: config.steps, minLrRatio: config.minLrRatio };
  }

  static async create(ctx: GpuContext, vlm: Vlm, data: TrainData, cfg: TrainConfig, o: TrainerOptions): Promise<Trainer> {
    const config = checkedConfig(cfg, 'Trainer.create');
    if (!RUN_ID.test(o.runId)) throw new TrainerStateError(`run id "${o.runId}" must be 1–128 characters of A–Z a–z 0–9 . _ -`);
    checkTrainData(data, vlm.tokensPerImage, vlm.dims.hidden, config.batchSize);
    vlm.useAdapters = true; // also routes the soft prompts into the sequences
    const initRng = Rng.fromSeed(config.seed, INIT_STREAM);
    if (config.trainLora) installAdapters(ctx, vlm, initAdapters(vlm.dims, config.lora, initRng));
    else removeAdapters(ctx, vlm);
    // soft prompts stay as loaded: the embeddings of the hand-written prompt tokens
    const order = DataOrder.start(data.train.length, config.batchSize, config.seed);
    const series = Object.fromEntries(SERIES.map((k) => [k, []])) as unknown as Series;
    return new Trainer(ctx, vlm, data, config, o.runId, o.modelId, o.store, Math.log(config.temperature), order, initRng, 0, series);
  }

  static async resume(ctx: GpuContext, vlm: Vlm, data: TrainData, ckpt: TrainingCheckpoint, o: { store?: KvStore } = {}): Promise<Trainer> {
    const where = `checkpoint of run "${ckpt.runId}" step ${ckpt.step}`;
    const config = checkedConfig(ckpt.config, where);
    checkTrainData(data, vlm.tokensPerImage, vlm.dims.hidden, config.batchSize);
    if (ckpt.data.size !== data.train.length) {
      throw new TrainDataError(where, `was trained on ${ckpt.data.size} examples but ${data.train.length} are loaded; resume needs the same training data`);
    }
    const a = ckpt.adapters;
    if (a.rank !== config.lora.rank || a.alpha !== config.lora.alpha || a.modules.join() !== config.lora.modules.join()) {
      throw new TrainerStateError(`${where}: adapters (rank ${a.rank}, alpha ${a.alpha}, ${a.modules.join(' ')}) disagree with its config.lora`);
    }
    if (!config.trainLora && a.layers.length) {
      throw new TrainerStateError(`${where}: config says trainLora false but the checkpoint holds ${a.layers.length} layers of adapters`);
    }
    vlm.useAdapters = true;
    if (config.trainLora) installAdapters(ctx, vlm, a);
    else removeAdapters(ctx, vlm);
    writeSoftPrompts(ctx, vlm, ckpt.softPrompts);
    const order = DataOrder.fromCursor(ckpt.data, config.batchSize);
    if (ckpt.rng.data && JSON.stringify(ckpt.rng.data) !== JSON.stringify(order.rngState())) {
      throw new TrainerStateError(`${where}: rng.data does not follow from the data cursor (corrupt or from another data pipeline)`);
    }
    const initRng = ckpt.rng.init ? Rng.fromState(ckpt.rng.init) : Rng.fromSeed(config.seed, INIT_STREAM);
    const series = Object.fromEntries(SERIES.map((k) => [k, Array.from(ckpt.metrics.series[k] ?? [])])) as unknown as Series;
    const t = new Trainer(ctx, vlm, data, config, ckpt.runId, ckpt.modelId, o.store, ckpt.logTau, order, initRng, ckpt.step, series);
    try {
      uploadMoments(ctx, t.trainables, ckpt.optimizer.moments, where);
    } catch (e) {
      t.dispose();
      throw e;
    }
    t.lastGoodCheckpoint = ckpt.step;
    return t;
  }

  /** Completed optimizer updates. */
  get stepsDone(): number {
    return this.updates;
  }

  get done(): boolean {
    return this.updates >= this.config.steps;
  }

  private live(): void {
    if (this.disposed) throw new TrainerStateError(`run "${this.runId}" was disposed`);
  }

  async step(): Promise<StepReport> {
    this.live();
    if (this.done) throw new TrainerStateError(`run "${this.runId}" has finished its ${this.config.steps} steps`);
    const { ctx, config: c } = this;
    const t0 = performance.now();
    const before = this.order.cursor();
    // gradient accumulation: accumulationSteps contrastive batches, one update
    const micro = Array.from({ length: c.accumulationSteps }, () => this.order.next().indices.map((i) => this.data.train[i]));
    const batches = micro.map((ex) => ({
      features: gatherFeatures(ctx, this.data.features, ex.map((e) => e.image)),
      shortCaptions: ex.map((e) => e.short),
      longCaptions: ex.map((e) => e.long),
    }));
    const k = this.updates + 1;
    const lr = lrAt(k - 1, this.schedule);
    const stepCfg: StepConfig = {
      lambdaContrastive: c.lambdaContrastive, lambdaNextToken: c.lambdaNextToken, chunkSize: c.chunkSize,
      maxGradNorm: c.maxGradNorm, lr, ...ADAM_BETAS, weightDecay: c.weightDecay, maxLongTokens: c.maxLongTokens,
      activations: c.activationRecompute ? 'recompute' : 'keep',
    };
    let m;
    try {
      m = await this.stepper.runAccumulated(batches, stepCfg, k);
    } catch (e) {
      if (e instanceof NonFiniteLossError) {
        this.order = DataOrder.fromCursor(before, c.batchSize); // the update was not applied: rewind
        const bad = await this.secureLastGood();
        // say where the NaN already sits (some adapters, e.g. SwiftShader, launder NaN in exp()
        // so only the gradient norm trips) and which checkpoint to go back to
        e.message += (bad.length ? ` Parameters already non-finite before this step: ${bad.slice(0, 8).join(', ')}${bad.length > 8 ? ', …' : ''}.` : '') +
          ` Last good checkpoint: ${this.lastGoodCheckpoint === null ? 'none stored' : `step ${this.lastGoodCheckpoint}`}.`;
      }
      throw e;
    } finally {
      ctx.release(...batches.map((b) => b.features));
    }
    this.updates = k;
    const seconds = (performance.now() - t0) / 1000;
    const s = this.series;
    s.loss.push(m.loss); s['loss/contrastive'].push(m.contrastive); s['loss/nextToken'].push(m.nextToken);
    s.lr.push(lr); s.gradNorm.push(m.gradNorm);
    const report: StepReport = {
      step: k, epoch: this.order.progress, loss: m.loss, contrastive: m.contrastive, nextToken: m.nextToken, lr,
      gradNorm: m.gradNorm, examplesPerSec: (c.batchSize * c.accumulationSteps) / seconds, peakBytes: m.peakBytes, seconds, validation: null, checkpoint: null,
      warning: this.watch.observe(k, m.loss),
    };
    this.lastReport = report;
    if (c.validateEvery > 0 && this.data.validation.length >= 2 && (k % c.validateEvery === 0 || k === c.steps)) {
      report.validation = await this.validate();
    }
    if (c.checkpointEvery > 0 && (k % c.checkpointEvery === 0 || k === c.steps)) report.checkpoint = await this.checkpoint();
    return report;
  }

  async validate(): Promise<ValidationResult> {
    this.live();
    const result = await validateRetrieval(this.ctx, this.vlm, this.data.features, this.data.validation, this.config.chunkSize);
    this.lastValidation = { step: this.updates, result };
    this.series['val/step'].push(this.updates);
    this.series['val/R@1 t2i'].push(result.value);
    return result;
  }

  /** Saves the current state (refused when a parameter is NaN/Inf: the last good checkpoint stays the latest). */
  async checkpoint(state?: TrainState): Promise<{ step: number; bytes: number }> {
    this.live();
    const st = state ?? (await downloadTrainState(this.ctx, this.vlm, this.trainables, this.logTau, this.config.lora));
    if (!allFinite(st)) {
      throw new TrainerStateError(`run "${this.runId}" step ${this.updates}: parameters hold NaN/Inf; not saved, so the last good checkpoint (${this.lastGoodCheckpoint ?? 'none'}) stays the latest`);
    }
    const v = this.lastValidation?.step === this.updates ? this.lastValidation.result : null;
    const c: TrainingCheckpoint = {
      format: CHECKPOINT_FORMAT, version: CHECKPOINT_VERSION, createdAt: new Date().toISOString(),
      runId: this.runId, step: this.updates, modelId: this.modelId,
      config: structuredClone(this.config) as unknown as Record<string, unknown>,
      adapters: st.adapters, softPrompts: st.softPrompts, logTau: st.logTau,
      optimizer: { step: this.updates, moments: st.moments },
      schedule: { step: this.updates, config: { ...this.schedule } },
      data: this.order.cursor(),
      rng: { data: this.order.rngState(), init: this.initRng.state() },
      metrics: {
        series: Object.fromEntries(SERIES.map((k) => [k, Float32Array.from(this.series[k])])),
        validation: v ? { name: v.name, value: v.value, higherIsBetter: v.higherIsBetter } : null,
      },
    };
    const entry = await saveCheckpoint(c, { store: this.store, keepLast: this.config.keepCheckpoints });
    this.lastGoodCheckpoint = this.updates;
    return { step: this.updates, bytes: entry.bytes };
  }

  /** After a diverged step: store the current (pre-update) state if it is finite and not yet
   * saved, then re-read the latest checkpoint (CRC-checked) so `lastGoodCheckpoint` is true. */
  private async secureLastGood(): Promise<string[]> {
    let bad: string[] = [];
    try {
      const st = await downloadTrainState(this.ctx, this.vlm, this.trainables, this.logTau, this.config.lora);
      bad = nonFiniteParams(st);
      if (!bad.length && this.lastGoodCheckpoint !== this.updates) await this.checkpoint(st);
    } catch {
      // saving failed (e.g. quota): fall back to whatever is stored
    }
    try {
      this.lastGoodCheckpoint = (await loadCheckpoint(this.runId, 'latest', this.store)).step;
    } catch {
      this.lastGoodCheckpoint = null;
    }
    return bad;
  }

  async exportPeft(meta: Partial<PeftExportMeta> = {}): Promise<Map<string, Uint8Array>> {
    this.live();
    const { ctx, vlm } = this;
    if (!vlm.adapters) throw new TrainerStateError(`run "${this.runId}" trains no LoRA adapters (trainLora: false); a PEFT export needs them`);
    await ctx.sync();
    const adapters = await downloadAdapters(ctx, vlm.adapters!, vlm.dims);
    const softPrompts = { hidden: vlm.dims.hidden, image: await ctx.read(vlm.softPrompts.image), text: await ctx.read(vlm.softPrompts.text) };
    const logTau = (await ctx.read(this.logTau))[0];
    return exportPeftFiles(adapters, softPrompts, {
      baseModel: this.modelId, imagePrompt: vlm.templates.image, textPrompt: vlm.templates.text, logTau, ...meta,
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.stepper.dispose();
    releaseTrainables(this.ctx, this.trainables);
    this.ctx.release(this.logTau);
  }
}
