// The zustand store: the ONLY consumer of worker events (engine.ts hands every batch to
// `onEvents` below). Screens read slices; charts subscribe to train.series without
// re-rendering. UI choices persist in localStorage (slices/persist.ts).
import { create } from 'zustand';
import { BUNDLED_MODELS, DEFAULT_BUNDLED_MODEL, type EngineEvent, type NamedBlob, type TrainMetricsEvent } from '../protocol/messages.ts';
import { getEngine, setEngineEventSink } from './engine.ts';
import { EngineError } from './engineClient.ts';
import { loadDatasetFiles, saveDatasetFiles } from './slices/datasetFiles.ts';
import { loadHistory, loadPersisted, saveHistory, savePersisted } from './slices/persist.ts';
import { clampBatch, defaultForm, fieldErrors, formForRecipe, formToConfig, ALL_MODULES } from './slices/trainForm.ts';
import { emptySeries, type DataSlice, type DeviceSlice, type ModelSlice, type Series, type StorageSlice, type TrainSlice } from './slices/types.ts';

export type { DataSlice, DeviceSlice, ModelSlice, Series, StorageSlice, TrainSlice };

export interface State {
  device: DeviceSlice;
  model: ModelSlice;
  data: DataSlice;
  train: TrainSlice;
  storage: StorageSlice;
  fatal?: string;
  connect(): Promise<void>;
  runSelfCheck(): Promise<void>;
  setModel(p: Partial<Pick<ModelSlice, 'kind' | 'bundled' | 'url' | 'files'>>): void;
  loadModel(): Promise<void>;
  /** Cancels the running Hub download (the load then fails with DownloadCancelledError). */
  cancelLoad(): Promise<void>;
  setData(p: Partial<Pick<DataSlice, 'kind' | 'syntheticCount' | 'syntheticSeed' | 'files' | 'restored'>>): void;
  loadData(): Promise<void>;
  setForm(key: string, value: string): void;
  setTrainOptions(p: Partial<Pick<TrainSlice, 'modules' | 'learnTemperature'>>): void;
  /** Back to the loaded model's recipe: forgets what the user typed in the form. */
  resetToRecipe(): void;
  /** Validates client-side, then train-start. Resolves false when refused (fieldErrors set). */
  startTraining(resumeRunId?: string): Promise<boolean>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  stop(): Promise<void>;
  refreshRuns(): Promise<void>;
  exportAdapter(): Promise<{ name: string; bytes: ArrayBuffer }[]>;
  importAdapter(files: File[]): Promise<void>;
  refreshStorage(): Promise<void>;
  /** runId: of 'checkpoints'; for 'models' the cached model's key (owner/repo@revision). */
  clearStorage(kind: 'checkpoints' | 'features' | 'models', id?: string): Promise<void>;
}

const msg = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));
const p = loadPersisted();
const history = loadHistory();
const historySeries = (): Series => {
  const e = emptySeries();
  if (!history) return e;
  for (const k of Object.keys(e) as (keyof Series)[]) if (Array.isArray(history.series[k]) && history.series[k].length === history.series.step.length) e[k] = history.series[k];
  return e.loss.length === e.step.length ? e : emptySeries();
};

/** Keeps only entries at or before `step` (a resumed run continues from there). */
function upTo(s: Series, step: number): Series {
  const n = s.step.findIndex((x) => x > step);
  if (n < 0) return s;
  return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, v.slice(0, n)])) as unknown as Series;
}

function appendMetrics(s: Series, ms: TrainMetricsEvent[]): Series {
  // A resumed run restarts at resumedFrom + 1: drop history at or after the first new step.
  const first = ms[0].step;
  const keep = s.step.findIndex((x) => x >= first);
  const cut = <T,>(a: T[]) => (keep < 0 ? a : a.slice(0, keep));
  return {
    step: [...cut(s.step), ...ms.map((m) => m.step)],
    loss: [...cut(s.loss), ...ms.map((m) => m.loss)],
    contrastive: [...cut(s.contrastive), ...ms.map((m) => m.contrastive)],
    nextToken: [...cut(s.nextToken), ...ms.map((m) => m.nextToken)],
    lr: [...cut(s.lr), ...ms.map((m) => m.lr)],
    examplesPerSec: [...cut(s.examplesPerSec), ...ms.map((m) => m.examplesPerSec)],
    peakBytes: [...cut(s.peakBytes), ...ms.map((m) => m.peakBytes)],
  };
}

export const useStore = create<State>((set, get) => {
  const engine = getEngine;
  const patch = <K extends 'model' | 'data' | 'train' | 'storage' | 'device'>(k: K, v: Partial<State[K]>) =>
    set((s) => ({ [k]: { ...s[k], ...v } }) as Partial<State>);

  setEngineEventSink((events: EngineEvent[]) => {
    const metrics = events.filter((e): e is TrainMetricsEvent => e.type === 'train-metrics');
    if (metrics.length) {
      const last = metrics[metrics.length - 1];
      const t = get().train;
      const adapter = { source: 'trained' as const, runId: t.runId, step: last.step, label: `run ${t.runId ?? '?'}, step ${last.step}` };
      patch('train', { series: appendMetrics(t.series, metrics), step: last.step, totalSteps: last.totalSteps, etaSeconds: last.etaSeconds, adapter });
    }
    for (const e of events) {
      if (e.type === 'fatal') set({ fatal: `${e.error.name}: ${e.error.message}` });
      else if (e.type === 'progress' && e.task === 'load-model') patch('model', { progress: { done: e.done, total: e.total } });
      else if (e.type === 'download') patch('model', { download: e });
      else if (e.type === 'progress' && e.task === 'vision-features') patch('data', { progress: { done: e.done, total: e.total } });
      else if (e.type === 'train-state') {
        const error = e.state === 'error' ? { name: e.errorName ?? 'Error', message: e.message ?? 'training failed' } : undefined;
        patch('train', { state: e.state, runId: e.runId, step: e.step, message: e.message, error });
        // A run going again means the engine recovered (e.g. a new device after a loss).
        if (e.state === 'running' && get().fatal) set({ fatal: undefined });
        if (e.state !== 'running') void get().refreshRuns();
      } else if (e.type === 'train-warning') {
        patch('train', { warnings: [...get().train.warnings, { step: e.step, kind: e.kind, message: e.message }] });
      } else if (e.type === 'train-probes') {
        const { type: _t, runId: _r, ...row } = e;
        patch('train', { probes: [...get().train.probes.filter((p) => p.step < row.step), row] });
      } else if (e.type === 'train-validation') {
        patch('train', { validation: [...get().train.validation, { step: e.step, name: e.name, value: e.value }] });
      } else if (e.type === 'checkpoint-saved') void get().refreshRuns();
    }
  });

  return {
    device: { status: 'idle' },
    model: { kind: p.modelKind ?? 'bundled', bundled: p.bundledModel && p.bundledModel in BUNDLED_MODELS ? p.bundledModel : DEFAULT_BUNDLED_MODEL, url: p.modelUrl ?? '', files: [], status: 'idle' },
    data: { kind: p.dataKind ?? 'synthetic', syntheticCount: p.syntheticCount ?? 32, syntheticSeed: p.syntheticSeed ?? 0, files: [], status: 'idle', problems: [] },
    train: {
      form: { ...defaultForm(), ...p.form }, modules: p.modules ?? [...ALL_MODULES], learnTemperature: p.learnTemperature ?? false,
      adapter: null,
      edited: Array.isArray(p.edited) ? p.edited.filter((k) => typeof k === 'string') : [],
      fieldErrors: {}, state: 'idle', runId: null, lastRunId: p.lastRunId ?? null, resumedFrom: null, step: 0, totalSteps: 0, etaSeconds: 0,
      series: historySeries(), validation: history?.validation ?? [], probes: [], warnings: [], runs: [],
    },
    storage: { status: 'idle' },

    async connect() {
      patch('device', { status: 'loading' });
      try {
        const r = await engine().request('device-info', {});
        set({ device: { status: 'ready', caps: r.caps, summary: r.summary } });
      } catch (e) {
        set({ device: { status: 'error', error: msg(e) } });
      }
    },
    async runSelfCheck() {
      const r = await engine().request('self-check', {});
      patch('device', { checks: r.checks });
    },

    setModel: (v) => patch('model', v),
    async loadModel() {
      const m = get().model;
      const source = m.kind === 'bundled' ? { kind: 'bundled' as const, name: m.bundled } : m.kind === 'url' ? { kind: 'url' as const, url: m.url } : { kind: 'files' as const, files: m.files };
      patch('model', { status: 'loading', error: undefined, progress: undefined, download: undefined, info: undefined, loadSeconds: undefined });
      const t0 = performance.now();
      // A Hub model is downloaded into this site's storage: ask the browser not to evict it
      // (persist() exists on the page only, not in the worker; refused or granted silently).
      if (source.kind === 'url') void navigator.storage?.persist?.().then((persisted) => patch('storage', { persisted }), () => {});
      try {
        const info = await engine().request('load-model', { source });
        patch('model', { status: 'ready', info, loadSeconds: (performance.now() - t0) / 1000 });
        // The form starts from the model's recipe; what the user typed stays.
        const t = get().train;
        patch('train', { ...formForRecipe(info.recipe.config, t, t.edited), fieldErrors: {}, note: undefined, adapter: null, adapterNote: undefined });
        patch('data', { status: 'idle', summary: undefined }); // the worker drops data with a new model
        void get().refreshRuns();
      } catch (e) {
        patch('model', { status: 'error', error: msg(e) });
      }
      // A download (complete, partial or refused) changed what the Storage screen lists.
      if (source.kind === 'url' && get().storage.status !== 'idle') void get().refreshStorage();
    },

    async cancelLoad() {
      await engine().request('load-cancel', {}).catch(() => {});
    },

    setData: (v) => {
      patch('data', v);
      if (v.files && (v.kind ?? get().data.kind) === 'files') void saveDatasetFiles(v.files);
    },
    async loadData() {
      const d = get().data;
      const args = d.kind === 'synthetic' ? { kind: 'synthetic' as const, count: d.syntheticCount, seed: d.syntheticSeed } : { kind: 'files' as const, files: d.files };
      patch('data', { status: 'loading', error: undefined, progress: undefined, summary: undefined, problems: [] });
      try {
        const summary = await engine().request('load-data', args);
        patch('data', { status: 'ready', summary, problems: summary.problems });
      } catch (e) {
        patch('data', { status: 'error', error: msg(e), problems: e instanceof EngineError ? (e.wire?.problems ?? []) : [] });
      }
    },

    setForm: (key, value) => {
      const t = get().train;
      const fe = { ...t.fieldErrors };
      delete fe[key];
      const edited = t.edited.includes(key) ? t.edited : [...t.edited, key];
      patch('train', { form: { ...t.form, [key]: value }, fieldErrors: fe, edited });
    },
    setTrainOptions: (v) => {
      const t = get().train;
      const keys = [...(v.modules ? ['lora.modules'] : []), ...(v.learnTemperature !== undefined ? ['learnTemperature'] : [])];
      patch('train', { ...v, edited: [...t.edited, ...keys.filter((k) => !t.edited.includes(k))] });
    },
    resetToRecipe: () => {
      const t = get().train;
      const recipe = get().model.info?.recipe.config ?? {};
      patch('train', { ...formForRecipe(recipe, t, []), edited: [], fieldErrors: {}, note: undefined });
    },

    async startTraining(resumeRunId) {
      const t = get().train;
      let config: Record<string, unknown> | undefined;
      if (!resumeRunId) {
        const r = formToConfig(t.form, t.modules, t.learnTemperature, get().model.info?.recipe.config);
        if (r.errors) {
          patch('train', { fieldErrors: r.errors });
          return false;
        }
        const clamped = clampBatch(r.config, get().data.summary?.train);
        patch('train', { note: clamped.note ?? undefined });
        config = clamped.config as unknown as Record<string, unknown>;
      }
      // A resume keeps the history of the same run (this tab's or the reloaded one's).
      const own = resumeRunId && (t.runId ?? history?.runId) === resumeRunId;
      patch('train', { fieldErrors: {}, error: undefined, message: undefined, warnings: [], probes: own ? t.probes : [], validation: own ? t.validation : [], series: own ? t.series : emptySeries() });
      try {
        const r = await engine().request('train-start', { config, runId: resumeRunId });
        // The reply comes before the run's first step: drop history past the resume point
        // (a stop after the last checkpoint leaves steps the run will redo).
        const from = r.resumedFrom ?? 0;
        const cur = get().train;
        patch('train', {
          runId: r.runId, lastRunId: r.runId, resumedFrom: r.resumedFrom, step: from,
          ...(r.resumedFrom ? { adapter: { source: 'resumed' as const, runId: r.runId, step: r.resumedFrom, label: `run ${r.runId}, step ${r.resumedFrom} (resumed)` } } : {}),
          series: upTo(cur.series, from), validation: cur.validation.filter((v) => v.step <= from),
        });
        return true;
      } catch (e) {
        const fields = e instanceof EngineError ? e.wire?.fields : undefined;
        if (fields?.length) patch('train', { fieldErrors: fieldErrors(fields) });
        else patch('train', { error: { name: (e as Error).name, message: (e as Error).message } });
        return false;
      }
    },
    async pause() {
      await engine().request('train-pause', {}).catch((e) => patch('train', { error: { name: e.name, message: e.message } }));
    },
    async resume() {
      await engine().request('train-resume', {}).catch((e) => patch('train', { error: { name: e.name, message: e.message } }));
    },
    async stop() {
      await engine().request('train-stop', {}).catch((e) => patch('train', { error: { name: e.name, message: e.message } }));
    },
    async refreshRuns() {
      try {
        const r = await engine().request('list-checkpoints', {});
        patch('train', { runs: r.runs });
      } catch (e) {
        patch('train', { error: { name: (e as Error).name, message: `list-checkpoints: ${(e as Error).message}` } });
      }
    },
    async exportAdapter() {
      return (await engine().request('export-adapter', {})).files;
    },
    async importAdapter(files) {
      const named: NamedBlob[] = files.map((f) => ({ path: f.name, data: f }));
      try {
        const r = await engine().request('load-adapter', { files: named });
        const what = `rank ${r.rank}, modules ${r.modules.join(' ')}${r.softPrompts ? ', soft prompts' : ''}`;
        const name = files.find((f) => f.name.endsWith('.safetensors'))?.name ?? files[0]?.name ?? 'adapter';
        patch('train', { adapterNote: `Imported adapter: ${what}`, adapter: { source: 'imported', runId: null, step: 0, label: `imported ${name}: ${what}` } });
      } catch (e) {
        patch('train', { adapterNote: `Import failed — ${msg(e)}` });
      }
    },

    async refreshStorage() {
      patch('storage', { status: 'loading', error: undefined });
      try {
        const r = await engine().request('storage-usage', {});
        const persisted = navigator.storage?.persisted ? await navigator.storage.persisted().catch(() => null) : null;
        set({ storage: { status: 'ready', checkpoints: r.checkpoints, features: r.features, models: r.models, persisted, note: get().storage.note } });
      } catch (e) {
        patch('storage', { status: 'error', error: msg(e) });
      }
    },
    async clearStorage(kind, id) {
      try {
        const args = kind === 'features' ? { kind } : kind === 'models' ? { kind, key: id } : { kind, runId: id };
        const r = await engine().request('storage-clear', args);
        const what = { features: 'cached feature rows', checkpoints: 'checkpoints', models: 'downloaded model(s)' }[kind];
        patch('storage', { note: `Cleared ${r.removed} ${what} (${(r.bytes / 1024).toFixed(1)} KiB)` });
      } catch (e) {
        patch('storage', { note: `Clear failed — ${msg(e)}` });
      }
      await get().refreshStorage();
      await get().refreshRuns();
    },
  };
});

// Restore the dataset files of the last visit (IndexedDB), unless the user picked new ones.
if (useStore.getState().data.kind === 'files') {
  void loadDatasetFiles().then((files) => {
    const d = useStore.getState().data;
    if (files.length && d.kind === 'files' && d.files.length === 0) useStore.setState({ data: { ...d, files, restored: true } });
  });
}

// Persist the latest run's per-step history (for the charts after a reload).
useStore.subscribe((s, prev) => {
  const t = s.train;
  if (t.runId && (t.series !== prev.train.series || t.validation !== prev.train.validation)) {
    saveHistory({ runId: t.runId, series: t.series as unknown as Record<string, number[]>, validation: t.validation });
  }
});

// Persist the UI choices (not files, not results).
useStore.subscribe((s) =>
  savePersisted({
    modelKind: s.model.kind, bundledModel: s.model.bundled, modelUrl: s.model.url, dataKind: s.data.kind, syntheticCount: s.data.syntheticCount,
    syntheticSeed: s.data.syntheticSeed, form: s.train.form, modules: s.train.modules, learnTemperature: s.train.learnTemperature, edited: s.train.edited,
    lastRunId: s.train.lastRunId,
  }),
);
