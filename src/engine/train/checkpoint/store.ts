/**
 * Checkpoints in IndexedDB (through KeyValueStore): step-named blobs plus one index per run.
 *
 * Keys:  ckpt/<runId>/<step>   → Uint8Array (format.ts blob)
 *        ckpt/<runId>/index    → RunIndex (JSON-like: entries sorted by step, `best` pointer)
 *
 * Public API (every function takes an optional KeyValueStore; default idbKeyValueStore()):
 *   saveCheckpoint(c, { store?, keepLast? }) → CheckpointEntry   (atomic: blob + index [+ prune])
 *   listCheckpoints(runId) → RunIndex        (entries: step, createdAt, bytes, validation, lastLoss)
 *   listRuns() → RunIndex[]
 *   loadCheckpoint(runId, step | 'latest' | 'best') → TrainingCheckpoint
 *   deleteRun(runId)
 *   pruneCheckpoints(runId, keepLast) → deleted steps   (keeps the last N and the best)
 *   storageUsage() → StorageUsage            (navigator.storage.estimate + per-kind byte counts)
 * Errors: StorageQuotaError (nothing written, earlier checkpoints intact), CheckpointNotFoundError,
 *   CheckpointFormatError (corrupt blob / unknown version).
 * Trap: one writer per run is assumed (the engine worker); the index is read-modify-written.
 */
import { CheckpointFormatError, CheckpointNotFoundError, StorageQuotaError } from './errors.ts';
import { deserializeCheckpoint, serializeCheckpoint } from './format.ts';
import { idbKeyValueStore, isQuotaError, valueBytes, type KeyValueStore } from './kv.ts';
import type { CheckpointEntry, RunIndex, StorageUsage } from '../../../protocol/checkpoints.ts';
import type { TrainingCheckpoint, ValidationMetric } from './types.ts';

// The index and usage shapes are wire types (src/protocol/checkpoints.ts); runFinished is
// shared with the Train screen (src/shared/runs.ts).
export type { CheckpointEntry, RunIndex, StorageUsage } from '../../../protocol/checkpoints.ts';
export { runFinished } from '../../../shared/runs.ts';

const PREFIX = 'ckpt/';
const RUN_ID = /^[A-Za-z0-9._-]{1,128}$/;
let defaultStore: KeyValueStore | null = null;
const kvOr = (s?: KeyValueStore) => s ?? (defaultStore ??= idbKeyValueStore());

export const blobKey = (runId: string, step: number) => `${PREFIX}${runId}/${step}`;
export const indexKey = (runId: string) => `${PREFIX}${runId}/index`;

function checkRunId(runId: string): void {
  if (!RUN_ID.test(runId)) {
    throw new CheckpointFormatError(`run "${runId}"`, 'run id must be 1–128 characters of A–Z a–z 0–9 . _ -');
  }
}

/** Best entry by validation metric: the metric named by the newest validated entry; ties keep the earlier step. */
export function pickBest(entries: readonly CheckpointEntry[]): number | null {
  const validated = entries.filter((e) => e.validation);
  if (!validated.length) return null;
  const ref = validated[validated.length - 1].validation!;
  let best: { step: number; value: number } | null = null;
  for (const e of validated) {
    if (e.validation!.name !== ref.name) continue;
    const v = e.validation!.value;
    if (!best || (ref.higherIsBetter ? v > best.value : v < best.value)) best = { step: e.step, value: v };
  }
  return best!.step;
}

/** Steps to delete so that only the last `keepLast` and the best remain. */
function stepsToPrune(index: RunIndex, keepLast: number): number[] {
  if (!Number.isInteger(keepLast) || keepLast < 1) throw new RangeError(`store.ts: keepLast must be an integer ≥ 1, got ${keepLast}`);
  const keep = new Set(index.entries.slice(-keepLast).map((e) => e.step));
  if (index.best !== null) keep.add(index.best);
  return index.entries.filter((e) => !keep.has(e.step)).map((e) => e.step);
}

async function estimate(): Promise<StorageUsage['estimate']> {
  const storage = (globalThis as { navigator?: Navigator }).navigator?.storage;
  if (!storage?.estimate) return null;
  const e = await storage.estimate();
  const details = (e as { usageDetails?: { indexedDB?: number } }).usageDetails;
  return { usage: e.usage ?? 0, quota: e.quota ?? 0, indexedDB: details?.indexedDB ?? null };
}

export async function listCheckpoints(runId: string, store?: KeyValueStore): Promise<RunIndex> {
  checkRunId(runId);
  const idx = await kvOr(store).get<RunIndex>(indexKey(runId));
  if (idx === undefined) return { format: 'discern-checkpoint-index', version: 1, runId, modelId: '', entries: [], best: null };
  if (idx?.format !== 'discern-checkpoint-index' || idx.version !== 1 || !Array.isArray(idx.entries)) {
    throw new CheckpointFormatError(indexKey(runId), `index has format ${JSON.stringify(idx?.format)} version ${JSON.stringify(idx?.version)}; expected "discern-checkpoint-index" version 1`);
  }
  return idx;
}

export async function listRuns(store?: KeyValueStore): Promise<RunIndex[]> {
  const kv = kvOr(store);
  const ids = (await kv.keys()).filter((k) => k.startsWith(PREFIX) && k.endsWith('/index')).map((k) => k.slice(PREFIX.length, -'/index'.length));
  return Promise.all(ids.sort().map((id) => listCheckpoints(id, kv)));
}

export async function saveCheckpoint(
  c: TrainingCheckpoint, opts: { store?: KeyValueStore; keepLast?: number } = {},
): Promise<CheckpointEntry> {
  checkRunId(c.runId);
  const kv = kvOr(opts.store);
  const bytes = serializeCheckpoint(c);
  const index = await listCheckpoints(c.runId, kv);
  const loss = c.metrics.series.loss;
  const entry: CheckpointEntry = {
    step: c.step, createdAt: c.createdAt, bytes: bytes.byteLength, validation: c.metrics.validation,
    lastLoss: loss && loss.length ? loss[loss.length - 1] : null,
  };
  const entries = [...index.entries.filter((e) => e.step !== c.step), entry].sort((a, b) => a.step - b.step);
  const total = c.config.steps;
  const next: RunIndex = {
    ...index, modelId: c.modelId, entries, best: pickBest(entries),
    ...(typeof total === 'number' && Number.isFinite(total) ? { totalSteps: total } : {}),
  };
  const pruned = opts.keepLast !== undefined ? stepsToPrune(next, opts.keepLast) : [];
  next.entries = entries.filter((e) => !pruned.includes(e.step));
  const key = blobKey(c.runId, c.step);
  try {
    await kv.write([[key, bytes], [indexKey(c.runId), next]], pruned.map((s) => blobKey(c.runId, s)));
  } catch (e) {
    if (!isQuotaError(e)) throw e;
    const runs = await listRuns(kv).catch(() => []);
    throw new StorageQuotaError(key, bytes.byteLength + valueBytes(next),
      runs.map((r) => ({ runId: r.runId, count: r.entries.length, bytes: r.entries.reduce((a, x) => a + x.bytes, 0) })),
      await estimate().catch(() => null), e);
  }
  return entry;
}

export async function loadCheckpoint(
  runId: string, which: number | 'latest' | 'best', store?: KeyValueStore,
): Promise<TrainingCheckpoint> {
  const kv = kvOr(store);
  const index = await listCheckpoints(runId, kv);
  let step: number | null;
  if (which === 'latest') step = index.entries.length ? index.entries[index.entries.length - 1].step : null;
  else if (which === 'best') step = index.best;
  else step = index.entries.some((e) => e.step === which) ? which : null;
  if (step === null) {
    const have = index.entries.map((e) => e.step);
    throw new CheckpointNotFoundError(runId, which, have.length ? `stored steps: ${have.join(', ')}` : 'the run has no checkpoints');
  }
  const key = blobKey(runId, step);
  const blob = await kv.get<unknown>(key);
  if (blob === undefined) throw new CheckpointNotFoundError(runId, step, `the index lists it but ${key} is missing`);
  if (!(blob instanceof Uint8Array)) throw new CheckpointFormatError(key, `stored value is ${Object.prototype.toString.call(blob)}, expected a Uint8Array blob`);
  const c = await deserializeCheckpoint(blob, key);
  if (c.runId !== runId || c.step !== step) {
    throw new CheckpointFormatError(key, `blob holds run "${c.runId}" step ${c.step}, not run "${runId}" step ${step}`);
  }
  return c;
}

export async function deleteRun(runId: string, store?: KeyValueStore): Promise<void> {
  checkRunId(runId);
  const kv = kvOr(store);
  const mine = (await kv.keys()).filter((k) => k.startsWith(`${PREFIX}${runId}/`));
  await kv.write([], mine);
}

export async function pruneCheckpoints(runId: string, keepLast: number, store?: KeyValueStore): Promise<number[]> {
  const kv = kvOr(store);
  const index = await listCheckpoints(runId, kv);
  const gone = stepsToPrune(index, keepLast);
  if (!gone.length) return [];
  const next: RunIndex = { ...index, entries: index.entries.filter((e) => !gone.includes(e.step)) };
  await kv.write([[indexKey(runId), next]], gone.map((s) => blobKey(runId, s)));
  return gone;
}

export async function storageUsage(store?: KeyValueStore): Promise<StorageUsage> {
  const kv = kvOr(store);
  const runs = await listRuns(kv);
  const listed = new Set<string>();
  const out: StorageUsage = {
    estimate: await estimate().catch(() => null),
    checkpoints: { count: 0, bytes: 0 }, indexes: { count: 0, bytes: 0 }, other: { count: 0, bytes: 0 }, runs: [],
  };
  for (const r of runs) {
    listed.add(indexKey(r.runId));
    out.indexes.count++;
    out.indexes.bytes += valueBytes(r);
    const bytes = r.entries.reduce((a, e) => a + e.bytes, 0);
    for (const e of r.entries) listed.add(blobKey(r.runId, e.step));
    out.checkpoints.count += r.entries.length;
    out.checkpoints.bytes += bytes;
    out.runs.push({ runId: r.runId, count: r.entries.length, bytes, latest: r.entries.at(-1)?.step ?? null, best: r.best });
  }
  for (const k of await kv.keys()) {
    if (listed.has(k)) continue;
    out.other.count++;
    out.other.bytes += valueBytes(await kv.get(k));
  }
  return out;
}
