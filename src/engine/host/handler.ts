// The engine side of the protocol: turns requests into engine calls. Hosted by a worker
// (workers/engine.worker.ts) or, in tests and the CLI page, by any postMessage-like sink.
// State held here: the GPU context, the loaded model (folder, id, an embedding Vlm), the
// loaded data with its feature table, the lazily created vision encoder, the training
// session, the Hub download cache (OPFS; none in Node) and the running download's
// AbortController (load-cancel). Events go through an EventBatcher (≤ 4 posts/s), flushed
// before every reply.
import { GpuContext } from '../gpu/context.ts';
import { describeCaps } from '../gpu/device.ts';
import type { PreprocessorConfig } from '../data/preprocess.ts';
import type { ModelFolder } from '../model/io/folder.ts';
import { HubCache } from '../model/io/hub/cache.ts';
import type { HubLoadOptions } from '../model/io/hub/hub_folder.ts';
import { parseHubUrl, modelKey } from '../model/io/hub/url.ts';
import { createVisionEncoder, type VisionEncoder } from '../model/vision/index.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import { idbKeyValueStore, listCheckpoints, listRuns, storageUsage, type KeyValueStore } from '../train/checkpoint/index.ts';
import type { Api, EngineEvent, ModelSource, Reply, Request, RequestType, UiWorkApi, WireError } from '../../protocol/messages.ts';
import { buildHostData, DataInputError, type HostData } from './data.ts';
import { attentionRequest, withBase } from './probes.ts';
import { embedRequest, loadAdapterInto } from './embed.ts';
import { EventBatcher } from './events.ts';
import { clearStorage, storageReport } from './storage.ts';
import { cachedFeatures, idbFeatureStore, type FeatureStore, type ImageInput } from './feature_cache.ts';
import { liveProber } from './live_probes.ts';
import { baseModelName, folderOf, loadVlm, modelIdOf, modelInfo, openFolder } from './model.ts';
import { recipeFor, type Recipe } from '../train/trainer/recipe.ts';
import { TrainConfigError, TrainingSession } from './session.ts';
import type { TrainerFactory } from './trainer_port.ts';
import { isUiWork, uiWork } from './ui_work.ts';

export type Post = (msg: Reply | { type: 'events'; events: EngineEvent[] }, transfer?: Transferable[]) => void;

export function toWireError(e: unknown): WireError {
  if (e instanceof TrainConfigError) return { name: e.name, message: e.message, fields: e.fields };
  if (e instanceof DataInputError) return { name: e.name, message: e.message, problems: e.problems };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

export class NotLoadedError extends Error {
  override readonly name = 'NotLoadedError';
}

export class DebugDisabledError extends Error {
  override readonly name = 'DebugDisabledError';
}

export interface HandlerOptions {
  trainer?: () => Promise<TrainerFactory>;
  featureStore?: FeatureStore;
  checkpointStore?: KeyValueStore;
  /** ONNX execution providers for the vision encoder; wasm first keeps one WebGPU device. */
  visionProviders?: ('webgpu' | 'wasm')[];
  eventIntervalMs?: number;
  /** Honour debug requests (debug-lose-device). Off in the app's worker. */
  debug?: boolean;
  /** The Hub download cache; default HubCache.open() (OPFS), null: Hub URLs are read by ranges. */
  hubCache?: HubCache | null;
  /** Test hooks of the Hub download: fetch, storage estimate, progress interval. */
  hub?: Pick<HubLoadOptions, 'fetch' | 'estimate' | 'progressMs'>;
}

interface Model {
  folder: ModelFolder;
  preprocessor: PreprocessorConfig;
  modelId: string;
  /** base_model_name_or_path of exported adapters (baseModelName). */
  baseModel: string;
  vlm: Vlm;
  encoder: Promise<VisionEncoder> | null;
  source: ModelSource;
  /** `owner/repo@rev` when the folder reads the Hub cache (deleting it swaps in the URL folder). */
  hubKey: string | null;
}

export class EngineHandler {
  private ctx: Promise<GpuContext> | null = null;
  private readonly events: EventBatcher;
  private model: Model | null = null;
  private data: (HostData & { features: Float32Array; numImages: number }) | null = null;
  private session: TrainingSession | null = null;
  private readonly checkpoints: KeyValueStore;
  private readonly features: FeatureStore;
  private hubCachePromise: Promise<HubCache | null> | null = null;
  /** The running load-model's download, for load-cancel. */
  private loadAbort: AbortController | null = null;

  constructor(private readonly post: Post, private readonly opts: HandlerOptions = {}) {
    this.events = new EventBatcher((events) => post({ type: 'events', events }), opts.eventIntervalMs);
    this.checkpoints = opts.checkpointStore ?? idbKeyValueStore();
    this.features = opts.featureStore ?? idbFeatureStore();
  }

  private emit = (e: EngineEvent) => this.events.emit(e);

  private gpu(): Promise<GpuContext> {
    if (!this.ctx) {
      this.ctx = GpuContext.create().then((ctx) => {
        ctx.onFatal((e) => {
          this.emit({ type: 'fatal', error: toWireError(e) });
          this.session?.fail(e);
        });
        return ctx;
      });
      this.ctx.catch(() => (this.ctx = null));
    }
    return this.ctx;
  }

  async handle(req: Request): Promise<void> {
    try {
      const { result, transfer } = await this.run(req);
      this.events.flush();
      this.post({ id: req.id, type: 'result', result }, transfer);
    } catch (e) {
      this.events.flush();
      this.post({ id: req.id, type: 'error', error: toWireError(e) });
    }
  }

  private need<T>(v: T | null, what: string, req: RequestType): T {
    if (!v) throw new NotLoadedError(`${req}: ${what} first`);
    return v;
  }

  private encoder(m: Model): Promise<VisionEncoder> {
    m.encoder ??= this.newEncoder(m.folder);
    return m.encoder;
  }

  private newEncoder(folder: ModelFolder): Promise<VisionEncoder> {
    return this.gpu().then((ctx) => createVisionEncoder(folder, { ctx, executionProviders: this.opts.visionProviders ?? ['wasm', 'webgpu'] }));
  }

  /** Features of images through the cache, with progress events. */
  imageFeatures(m: Model, images: readonly ImageInput[]) {
    return cachedFeatures(images, {
      store: this.features, modelId: m.modelId, rowSize: m.vlm.tokensPerImage * m.vlm.dims.hidden,
      preprocessor: m.preprocessor, encoder: () => this.encoder(m),
      onProgress: (done, total) => this.emit({ type: 'progress', task: 'vision-features', done, total, unit: 'items' }),
    });
  }

  /**
   * After a device loss: drop the dead context, free the run (its tensors lived on the lost
   * device; its checkpoints are in IndexedDB), and reload the model onto a new device. The
   * data's feature table is a host copy and stays. Trap: the model's encoder is rebuilt lazily.
   * Requests arrive concurrently (the app lists checkpoints while it starts a run): they all
   * await the one recovery, or the second would see no context and no model yet.
   */
  private recovering: Promise<void> | null = null;
  private recover(): Promise<void> {
    this.recovering ??= this.recoverNow().finally(() => (this.recovering = null));
    return this.recovering;
  }

  private async recoverNow(): Promise<void> {
    const old = this.ctx ? await this.ctx.catch(() => null) : null;
    if (!old?.lost) return;
    this.ctx = null;
    this.session?.disposeRun();
    const m = this.model;
    if (!m) return;
    this.model = null;
    try {
      m.vlm.dispose(); // returns its buffers to the dead context's pool: nothing to free on the GPU
    } catch {
      // a lost device may refuse even that; the new context owns nothing of it
    }
    const enc = await m.encoder?.catch(() => null);
    await enc?.dispose().catch(() => {});
    const vlm = await loadVlm(await this.gpu(), m.folder);
    this.model = { ...m, vlm, encoder: null };
  }

  private async run(req: Request): Promise<{ result: unknown; transfer?: Transferable[] }> {
    if (isUiWork(req.type)) return uiWork(req.type, req.args as UiWorkApi[typeof req.type]['args']); // CPU work for the screens: no GPU, no model
    if (req.type === 'load-cancel') { // no GPU: it must not wait for anything the load waits for
      const ctrl = this.loadAbort;
      ctrl?.abort();
      return { result: { cancelled: !!ctrl } satisfies Api['load-cancel']['result'] };
    }
    if (req.type !== 'debug-lose-device') await this.recover();
    switch (req.type) {
      case 'debug-lose-device': {
        if (!this.opts.debug) throw new DebugDisabledError('debug-lose-device: the engine was not started with its debug option');
        (await this.gpu()).simulateDeviceLoss();
        return { result: { lost: true } satisfies Api['debug-lose-device']['result'] };
      }
      case 'device-info': {
        const ctx = await this.gpu();
        return { result: { caps: ctx.caps, summary: describeCaps(ctx.caps) } satisfies Api['device-info']['result'] };
      }
      case 'gpu-memory': {
        const { pool } = await this.gpu();
        const m = { liveBytes: pool.liveBytes, peakLiveBytes: pool.peakLiveBytes, freeBytes: pool.freeBytes, liveBuffers: pool.liveBuffers, created: pool.created };
        if (req.args.resetPeak) pool.resetPeak();
        return { result: m satisfies Api['gpu-memory']['result'] };
      }
      case 'model-config':
        return { result: { config: await this.modelConfig(req.args.url) } satisfies Api['model-config']['result'] };
      case 'self-check': {
        const { runSelfCheck } = await import('./selfcheck.ts');
        return { result: await runSelfCheck(await this.gpu()) };
      }
      case 'load-model': {
        if (this.session?.state === 'running') throw new NotLoadedError('load-model: stop the running training first');
        const ctx = await this.gpu();
        const ctrl = new AbortController();
        this.loadAbort?.abort(); // a newer load replaces a running download
        this.loadAbort = ctrl;
        let folder: ModelFolder;
        try {
          folder = await openFolder(req.args.source, { ...this.opts.hub, cache: await this.hubCache(), signal: ctrl.signal, onProgress: this.emit });
        } finally {
          if (this.loadAbort === ctrl) this.loadAbort = null; // past the download: nothing left to cancel
        }
        // Build the vision encoder now (creates the ONNX session, compiling onnxruntime's wasm on
        // first use) while the decoder's weights are read and uploaded: the two overlap. A broken
        // encoder file is refused at load, and the model already loaded stays.
        const encoder = this.newEncoder(folder);
        encoder.catch(() => {}); // awaited below; a failure before that point must not be reported as unhandled
        let vlm: Vlm | null = null, next: Model, recipe: Recipe;
        try {
          vlm = await loadVlm(ctx, folder, { onBytes: (done, total) => this.emit({ type: 'progress', task: 'load-model', done, total, unit: 'bytes' }) });
          const modelId = await modelIdOf(folder);
          const preprocessor = (await folder.exists('preprocessor_config.json')) ? await folder.readJson<PreprocessorConfig>('preprocessor_config.json') : {};
          recipe = await recipeFor(folder, vlm.dims);
          const hubKey = await this.hubKeyOf(req.args.source);
          next = { folder, preprocessor, modelId, baseModel: baseModelName(req.args.source, folder), vlm, encoder, source: req.args.source, hubKey };
          await encoder;
        } catch (e) {
          vlm?.dispose();
          void encoder.then((enc) => enc.dispose(), () => {});
          throw e;
        }
        await this.unloadModel();
        this.model = next;
        this.data = null;
        return { result: modelInfo(next.vlm, next.baseModel, next.modelId, recipe) };
      }
      case 'load-adapter': {
        const m = this.need(this.model, 'load-model', req.type);
        return { result: await loadAdapterInto(this.session?.vlm ?? m.vlm, req.args.files) };
      }
      case 'load-data': {
        const m = this.need(this.model, 'load-model', req.type);
        const d = await buildHostData(req.args);
        const f = await this.imageFeatures(m, d.images);
        // Drop examples whose image did not decode; renumber to feature-table rows.
        const rowOf = new Map(f.rows.map((input, row) => [input, row]));
        const keep = (xs: HostData['train']) => xs.filter((x) => rowOf.has(x.image)).map((x) => ({ ...x, image: rowOf.get(x.image)! }));
        const train = keep(d.train);
        const validation = keep(d.validation);
        const problems = [...d.problems, ...f.problems];
        if (train.length < 2) throw new DataInputError(problems, `load-data: ${d.file}: only ${train.length} training example(s) have a decodable image`);
        this.data = { ...d, train, validation, problems, features: f.features, numImages: f.rows.length };
        return {
          result: {
            kind: req.args.kind, file: d.file, images: f.rows.length, train: train.length, validation: validation.length,
            cacheHits: f.hits, cacheMisses: f.misses, problems, warnings: d.warnings,
          } satisfies Api['load-data']['result'],
        };
      }
      case 'train-start': {
        const m = this.need(this.model, 'load-model', req.type);
        const d = this.need(this.data, 'load-data', req.type);
        this.session ??= new TrainingSession(await this.trainerFactory(), this.emit, this.checkpoints);
        const probe = liveProber((images) => this.imageFeatures(m, images));
        const inputs = { ctx: await this.gpu(), folder: m.folder, modelId: m.modelId, features: d.features, numImages: d.numImages, train: d.train, validation: d.validation, probe };
        return { result: await this.session.start(inputs, req.args.config, req.args.runId) };
      }
      case 'train-pause':
        return { result: await this.need(this.session, 'train-start', req.type).pause() };
      case 'train-resume':
        return { result: this.need(this.session, 'train-start', req.type).resume() };
      case 'train-stop':
        return { result: await this.need(this.session, 'train-start', req.type).stop() };
      case 'list-checkpoints': {
        const runs = req.args.runId ? [await listCheckpoints(req.args.runId, this.checkpoints)] : await listRuns(this.checkpoints);
        return { result: { runs, usage: await storageUsage(this.checkpoints) } };
      }
      case 'storage-usage':
        return { result: await storageReport(this.checkpoints, await this.hubCache()) };
      case 'storage-clear': {
        const busy = this.session?.state === 'running' || this.session?.state === 'paused';
        const m = this.model;
        const hitsLoaded = req.args.kind === 'models' && !!m?.hubKey && (req.args.key === undefined || req.args.key === m.hubKey);
        const r = await clearStorage(req.args, this.checkpoints, busy ? this.session!.runId : null, await this.hubCache(), busy && hitsLoaded ? m!.hubKey : null);
        // The loaded model read its files from the deleted cache entry: read them by URL from now on.
        if (hitsLoaded && m) Object.assign(m, { folder: folderOf(m.source), hubKey: null });
        return { result: r };
      }
      case 'export-adapter': {
        const t = this.need(this.session?.trainer ?? null, 'train-start', req.type);
        const baseModel = this.model?.baseModel;
        const files = [...(await t.exportPeft(baseModel ? { baseModel } : {}))].map(([name, bytes]) => ({ name, bytes: bytes.slice().buffer as ArrayBuffer }));
        return { result: { files }, transfer: files.map((f) => f.bytes) };
      }
      case 'embed': {
        const m = this.need(this.model, 'load-model', req.type);
        if (this.session?.state === 'running') throw new NotLoadedError('embed: a training run is using the GPU; pause it first');
        const vlm = this.session?.vlm ?? m.vlm;
        const r = await withBase(vlm, req.args.base, () => embedRequest(vlm, req.args, (images) => this.imageFeatures(m, images)));
        return { result: r, transfer: [r.texts, r.images].filter((b): b is ArrayBuffer => !!b) };
      }
      case 'attention-map': {
        const m = this.need(this.model, 'load-model', req.type);
        if (this.session?.state === 'running') throw new NotLoadedError('attention-map: a training run is using the GPU; pause it first');
        const vlm = this.session?.vlm ?? m.vlm;
        const r = await withBase(vlm, req.args.base, () => attentionRequest(vlm, req.args.image, (images) => this.imageFeatures(m, images)));
        return { result: r, transfer: [r.weights, r.imageMass] };
      }
    }
  }

  /** 'model-config': the cached config.json of a stored Hub model, else one fetch of it. */
  private async modelConfig(url: string): Promise<unknown> {
    const ref = parseHubUrl(url);
    const cache = ref ? await this.hubCache() : null;
    if (ref && cache) {
      const key = modelKey(ref.repo, ref.revision);
      const meta = await cache.meta(key);
      const file = meta?.files['config.json']?.complete ? await cache.file(key, 'config.json') : null;
      if (file) return JSON.parse(await file.text());
    }
    const base = ref?.base ?? (url.endsWith('/') ? url : `${url}/`);
    const res = await fetch(new URL('config.json', base).href, { cache: 'no-store' }).catch(() => null);
    return res?.ok ? res.json().catch(() => null) : null;
  }

  private hubCache(): Promise<HubCache | null> {
    this.hubCachePromise ??= this.opts.hubCache !== undefined ? Promise.resolve(this.opts.hubCache) : HubCache.open();
    return this.hubCachePromise;
  }

  private async hubKeyOf(source: ModelSource): Promise<string | null> {
    if (source.kind !== 'url' || !(await this.hubCache())) return null;
    const ref = parseHubUrl(new URL(source.url, globalThis.location?.href).href);
    return ref ? modelKey(ref.repo, ref.revision) : null;
  }

  private async trainerFactory(): Promise<TrainerFactory> {
    if (this.opts.trainer) return this.opts.trainer();
    const { realTrainerFactory } = await import('./trainer_adapter.ts'); // lazy: only a training session loads it
    return realTrainerFactory();
  }

  /** Frees everything (model, run, encoder, GPU device). The handler is unusable afterwards. */
  async dispose(): Promise<void> {
    if (this.session?.state === 'running') await this.session.stop().catch(() => {});
    await this.unloadModel();
    this.events.flush();
    (await this.ctx?.catch(() => null))?.destroy();
    this.ctx = null;
  }

  private async unloadModel(): Promise<void> {
    this.session?.disposeRun();
    if (!this.model) return;
    this.model.vlm.dispose();
    const enc = this.model.encoder;
    this.model = null;
    if (enc) await (await enc.catch(() => null))?.dispose();
  }
}
