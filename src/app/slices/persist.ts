// The UI choices that survive a reload (localStorage "discern.ui"): model source kind + URL,
// data source kind + synthetic settings, the training form, and the last run id.
// Dataset files are kept in IndexedDB (datasetFiles.ts); a picked model folder is not (the
// user re-picks it, or uses the bundled model / a URL, which persist as choices).
import type { BundledModelName } from '../../protocol/messages.ts';

export interface PersistedUi {
  modelKind: 'bundled' | 'url' | 'files';
  bundledModel: BundledModelName;
  modelUrl: string;
  dataKind: 'synthetic' | 'files';
  syntheticCount: number;
  syntheticSeed: number;
  /** Training form as the user typed it (field → text), plus lora modules / learnTemperature. */
  form: Record<string, string>;
  modules: string[];
  learnTemperature: boolean;
  /** Form keys the user typed in (they survive a model load; the rest follow its recipe). */
  edited: string[];
  lastRunId: string | null;
}

const KEY = 'discern.ui';

export function loadPersisted(): Partial<PersistedUi> {
  try {
    const raw = globalThis.localStorage?.getItem(KEY);
    const v = raw ? (JSON.parse(raw) as unknown) : null;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Partial<PersistedUi>) : {};
  } catch {
    return {}; // corrupt entry: start from defaults rather than failing the app
  }
}

export function savePersisted(v: PersistedUi): void {
  try {
    globalThis.localStorage?.setItem(KEY, JSON.stringify(v));
  } catch {
    /* storage full or disabled: choices just do not persist */
  }
}

/**
 * Per-step history of the latest run (localStorage "discern.history"), so the charts show the
 * whole history after a reload + resume. Checkpoints keep only the last loss per entry.
 */
export interface RunHistory {
  runId: string;
  series: Record<string, number[]>;
  validation: { step: number; name: string; value: number }[];
}

const HISTORY = 'discern.history';

export function loadHistory(): RunHistory | null {
  try {
    const v = JSON.parse(globalThis.localStorage?.getItem(HISTORY) ?? 'null') as RunHistory | null;
    return v && typeof v.runId === 'string' && v.series && Array.isArray(v.series.step) ? v : null;
  } catch {
    return null;
  }
}

export function saveHistory(h: RunHistory): void {
  try {
    globalThis.localStorage?.setItem(HISTORY, JSON.stringify(h));
  } catch {
    /* full: the live charts still work, only the reload history is lost */
  }
}
