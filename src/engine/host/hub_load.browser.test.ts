// load-model from a Hub URL through the worker protocol (in-page EngineHandler, OPFS, a fake
// Hub serving a tiny model): download events, then a cached load with the network off, the
// Storage requests listing and deleting the model, and load-cancel mid-download.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildTinyModel } from '../../../scripts/tiny-model/tiny-model.ts';
import type { CachedModel, DownloadEvent, EngineEvent, Reply } from '../../protocol/messages.ts';
import { HubCache } from '../model/io/hub/cache.ts';
import { BASE, fakeHub } from '../model/io/hub/fake_hub.testutil.ts';
import { memoryKeyValueStore } from '../train/checkpoint/index.ts';
import { memoryFeatureStore } from './feature_cache.ts';
import { EngineHandler } from './handler.ts';

const dirName = `test-hub-handler-${Math.random().toString(36).slice(2)}`;
const hub = fakeHub(buildTinyModel().files);
let fetchNow: typeof fetch = hub.fetch; // what the handler's fetch calls (the cancel step wraps it)
let h: EngineHandler;
const events: EngineEvent[] = [];
const replies = new Map<number, Reply>();
let id = 0;

async function call(type: string, args: unknown): Promise<Record<string, unknown>> {
  const req = { id: ++id, type, args } as Parameters<EngineHandler['handle']>[0];
  await h.handle(req);
  const r = replies.get(req.id)!;
  if (r.type === 'error') throw Object.assign(new Error(r.error.message), { name: r.error.name });
  return r.result as Record<string, unknown>;
}

beforeAll(async () => {
  const root = await navigator.storage.getDirectory();
  const hubCache = new HubCache(await root.getDirectoryHandle(dirName, { create: true }));
  h = new EngineHandler((m) => (m.type === 'events' ? events.push(...m.events) : replies.set(m.id, m)), {
    featureStore: memoryFeatureStore(), checkpointStore: memoryKeyValueStore(), visionProviders: ['wasm'],
    hubCache, hub: { fetch: (i, init) => fetchNow(i, init), estimate: null, progressMs: 0 }, eventIntervalMs: 0,
  });
});
afterAll(async () => {
  await h.dispose();
  await (await navigator.storage.getDirectory()).removeEntry(dirName, { recursive: true });
});

const downloads = () => events.filter((e): e is DownloadEvent => e.type === 'download');
const source = { kind: 'url', url: BASE };

test('download, cached offline load, Storage list + delete, cancel', async () => {
  const info = await call('load-model', { source });
  expect(info.name).toBe('org/repo');
  expect(downloads().at(-1)!.files.every((f) => f.state === 'done')).toBe(true);
  const models = (await call('storage-usage', {})).models as CachedModel[];
  expect(models.map((m) => [m.key, m.complete])).toEqual([['org/repo@main', true]]);

  hub.offline = true;
  const n = hub.log.length;
  events.length = 0;
  expect((await call('load-model', { source })).modelId).toBe(info.modelId);
  expect(hub.log.length).toBe(n);
  expect(downloads().map((d) => d.phase)).toEqual(['cached']);

  expect(await call('storage-clear', { kind: 'models', key: 'org/repo@main' })).toMatchObject({ removed: 1 });
  expect((await call('storage-usage', {})).models).toEqual([]);

  // cancel while model.safetensors is being fetched (the UI's Cancel appears with the first event)
  hub.offline = false;
  let cancelled: Promise<Record<string, unknown>> | null = null;
  fetchNow = async (input, init) => {
    const res = await hub.fetch(input, init);
    if (String(input).endsWith('model.safetensors') && !new Headers(init?.headers).get('range')) cancelled = call('load-cancel', {});
    return res;
  };
  const e = await call('load-model', { source }).catch((x: Error) => x);
  expect((e as Error).name).toBe('DownloadCancelledError');
  expect((e as Error).message).toMatch(/^download of org\/repo@main cancelled at model.safetensors/);
  expect(await cancelled).toEqual({ cancelled: true });
  expect(await call('load-cancel', {})).toEqual({ cancelled: false }); // nothing running now
  const [partial] = (await call('storage-usage', {})).models as CachedModel[];
  expect(partial.complete).toBe(false);
});
