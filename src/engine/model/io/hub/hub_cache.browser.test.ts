// The Hub download cache in real Chromium OPFS, against a fake Hub (fake_hub.testutil.ts):
// first load downloads every file once with per-file progress; the second load — with the
// "network" off — reads the cache and makes no request; a connection dropped mid-file and a
// cancel both leave a partial (never a complete entry) that the next load resumes with a
// Range from the stored offset; a quota that is too small refuses before anything is written.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DownloadEvent } from '../../../../protocol/hub.ts';
import { DownloadCancelledError, HttpSourceError, StorageQuotaError } from '../errors.ts';
import { HubCache } from './cache.ts';
import { BASE, bytesOf, fakeHub, type FakeHub } from './fake_hub.testutil.ts';
import { openHubFolder, type HubLoadOptions } from './hub_folder.ts';
import { parseHubUrl } from './url.ts';

const ref = parseHubUrl(BASE)!;
const KEY = 'org/repo@main';
let dirName = '';
let cache: HubCache;
let hub: FakeHub;
let files: Record<string, Uint8Array>;

async function root() {
  return navigator.storage.getDirectory();
}

beforeEach(async () => {
  dirName = `test-hub-${Math.random().toString(36).slice(2)}`;
  cache = new HubCache(await (await root()).getDirectoryHandle(dirName, { create: true }));
  files = {
    'config.json': new TextEncoder().encode('{"model_type":"idefics3"}'),
    'tokenizer.json': bytesOf(3000, 2),
    'model.safetensors': bytesOf(300_000, 3),
    'onnx/vision_encoder.onnx': bytesOf(40_000, 4),
  };
  hub = fakeHub(files);
});
afterEach(async () => (await root()).removeEntry(dirName, { recursive: true }));

function load(o: Partial<HubLoadOptions> = {}, events: DownloadEvent[] = []) {
  let t = 0;
  return openHubFolder(ref, { cache, fetch: hub.fetch, estimate: null, progressMs: 0, now: () => (t += 10), onProgress: (e) => events.push(e), ...o });
}

/** The file's bytes as a short digest string (deep-equal on 300 kB arrays is slow). */
async function readAll(folder: Awaited<ReturnType<typeof load>>, path: string) {
  const s = folder.open(path);
  return digest(await s.read(0, await s.size()));
}

async function digest(b: Uint8Array): Promise<string> {
  const h = new Uint8Array(await crypto.subtle.digest('SHA-256', b as Uint8Array<ArrayBuffer>));
  return `${b.byteLength}:${[...h].map((x) => x.toString(16).padStart(2, '0')).join('')}`;
}

describe('Hub download cache (OPFS)', () => {
  it('downloads each file once with progress, then loads offline with no request', async () => {
    const events: DownloadEvent[] = [];
    const folder = await load({}, events);
    for (const [p, b] of Object.entries(files)) expect(await readAll(folder, p), p).toBe(await digest(b));
    expect(await folder.exists('discern.json')).toBe(false);
    const gets = hub.log.filter((l) => l.endsWith(' -')).sort();
    expect(gets).toEqual(Object.keys(files).map((p) => `${p} -`).sort()); // each file fetched once, whole
    expect(events[0]).toMatchObject({ type: 'download', model: KEY, phase: 'checking' });
    const mid = events.find((e) => e.files.some((f) => f.path === 'model.safetensors' && f.state === 'downloading' && f.bytes > 0 && f.bytes < 300_000))!;
    const row = mid.files.find((f) => f.path === 'model.safetensors')!;
    expect(row.bytesPerSec).toBeGreaterThan(0);
    expect(row.etaSec).toBeGreaterThan(0);
    expect(events.at(-1)!.files.every((f) => f.state === 'done' && f.bytes === f.total)).toBe(true);

    // key scheme: one OPFS folder per repo@revision, files under their encoded repo paths
    const dir = await (await (await root()).getDirectoryHandle(dirName)).getDirectoryHandle(encodeURIComponent(KEY));
    await (await dir.getDirectoryHandle('f')).getFileHandle(encodeURIComponent('onnx/vision_encoder.onnx'));
    const [m] = await cache.list();
    expect(m).toMatchObject({ key: KEY, repo: 'org/repo', revision: 'main', url: BASE, commit: 'abc123def4567890', complete: true, bytes: 343_000 + files['config.json'].byteLength });

    hub.offline = true;
    const before = hub.log.length;
    const again: DownloadEvent[] = [];
    const cached = await load({}, again);
    expect(hub.log.length).toBe(before); // no request at all
    expect(again).toHaveLength(1);
    expect(again[0].phase).toBe('cached');
    expect(await readAll(cached, 'model.safetensors')).toBe(await digest(files['model.safetensors']));
  });

  it('a connection dropped mid-file leaves a partial that the next load resumes by Range', async () => {
    hub.dropAfter['model.safetensors'] = 100_000;
    const e = await load().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpSourceError);
    expect((e as HttpSourceError).status).toBeNull();
    expect((e as Error).message).toMatch(/^model.safetensors: network error for https:\/\/hub.test\/org\/repo\/resolve\/main\/model.safetensors.*dropped after 100000 of 300000 bytes/);
    const [m] = await cache.list();
    expect(m.complete).toBe(false);
    expect(m.files.find((f) => f.path === 'model.safetensors')).toEqual({ path: 'model.safetensors', bytes: 100_000, size: 300_000, complete: false });

    hub.log.length = 0;
    const events: DownloadEvent[] = [];
    const folder = await load({}, events);
    expect(hub.log).toContain('model.safetensors bytes=100000-');
    expect(hub.log.filter((l) => l.startsWith('model.safetensors '))).toEqual(['model.safetensors bytes=0-0', 'model.safetensors bytes=100000-']);
    expect(hub.log.filter((l) => l.startsWith('config.json'))).toEqual(['config.json bytes=0-0']); // complete files: probed, not fetched
    expect(events.at(-1)!.files.find((f) => f.path === 'model.safetensors')).toMatchObject({ state: 'done', resumedFrom: 100_000 });
    expect(await readAll(folder, 'model.safetensors')).toBe(await digest(files['model.safetensors']));
    expect((await cache.list())[0].complete).toBe(true);
  });

  it('cancel: DownloadCancelledError, a partial marked partial, resumed by the next load', async () => {
    const ctrl = new AbortController();
    const events: DownloadEvent[] = [];
    const onProgress = (ev: DownloadEvent) => {
      events.push(ev);
      if (ev.files.some((f) => f.path === 'model.safetensors' && f.bytes > 150_000)) ctrl.abort();
    };
    const e = await load({ signal: ctrl.signal, onProgress }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DownloadCancelledError);
    const kept = (e as DownloadCancelledError).kept;
    expect(events.at(-1)!.files.find((f) => f.path === 'model.safetensors')!.state).toBe('cancelled');
    const [m] = await cache.list();
    expect(m.complete).toBe(false);
    expect(m.files.find((f) => f.path === 'model.safetensors')).toMatchObject({ bytes: kept, complete: false });
    hub.log.length = 0;
    const folder = await load();
    expect(hub.log).toContain(`model.safetensors bytes=${kept}-`);
    expect(await readAll(folder, 'model.safetensors')).toBe(await digest(files['model.safetensors']));
  });

  it('quota: refused before any byte is written, naming the model and needed vs available bytes', async () => {
    const e = await load({ estimate: async () => ({ usage: 1000, quota: 5000 }) }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(StorageQuotaError);
    const need = Object.values(files).reduce((a, b) => a + b.byteLength, 0);
    expect((e as Error).message).toMatch(new RegExp(`^not enough browser storage to download ${KEY}: it needs ${need} more bytes .*this site has 4000 bytes`));
    expect(await cache.list()).toEqual([]); // nothing, not even meta.json
    expect(hub.log.every((l) => l.endsWith('bytes=0-0'))).toBe(true); // only the size probes went out
  });

  it('offline with nothing cached: a network error naming the file; delete removes a model', async () => {
    hub.offline = true;
    const e = await load().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpSourceError);
    expect((e as Error).message).toMatch(/^config.json: network error for https:\/\/hub.test\/org\/repo\/resolve\/main\/config.json, no HTTP reply/);
    hub.offline = false;
    await load();
    expect(await cache.delete(KEY)).toEqual({ removed: 1, bytes: 343_000 + files['config.json'].byteLength });
    expect(await cache.list()).toEqual([]);
  });
});
