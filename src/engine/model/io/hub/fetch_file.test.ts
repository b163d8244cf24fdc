// One file of a Hub download against a fake Hub (fake_hub.testutil.ts) into an in-memory
// sink: size probe, Range resume from the stored offset, a changed file restarting at 0, a
// dropped connection keeping its bytes, typed errors naming file, URL and status.
import { describe, expect, it } from 'vitest';
import { CacheWriteError, DownloadCancelledError, HttpSourceError, MissingFileError } from '../errors.ts';
import type { Sink } from './cache.ts';
import { BASE, bytesOf, fakeHub } from './fake_hub.testutil.ts';
import { downloadFile, probeFile, type DownloadOptions } from './fetch_file.ts';

/** An in-memory file: sink(offset) cuts it there, as the OPFS sink does. */
function memFile(initial: Uint8Array = new Uint8Array(0)) {
  const file = { bytes: initial, opened: [] as number[] };
  const sink = async (offset: number): Promise<Sink> => {
    file.opened.push(offset);
    file.bytes = file.bytes.slice(0, offset);
    return {
      write: async (b) => {
        const next = new Uint8Array(file.bytes.byteLength + b.byteLength);
        next.set(file.bytes);
        next.set(b, file.bytes.byteLength);
        file.bytes = next;
      },
      close: async () => {},
    };
  };
  return { file, sink };
}

const W = bytesOf(50_000);

function opts(hub: ReturnType<typeof fakeHub>, sink: DownloadOptions['sink'], o: Partial<DownloadOptions> = {}): DownloadOptions {
  return { url: BASE + 'model.safetensors', path: 'model.safetensors', model: 'org/repo@main', offset: 0, size: W.byteLength, etag: null, fetch: hub.fetch, sink, onBytes: () => {}, ...o };
}

describe('probeFile', () => {
  it('size, ETag and commit from a 1-byte Range request; null for a 404', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    expect(await probeFile(BASE + 'model.safetensors', 'model.safetensors', hub.fetch)).toEqual({ size: 50_000, etag: '"etag-model.safetensors-1"', commit: 'abc123def4567890' });
    expect(await probeFile(BASE + 'discern.json', 'discern.json', hub.fetch)).toBeNull();
    expect(hub.log).toEqual(['model.safetensors bytes=0-0', 'discern.json bytes=0-0']);
  });
  it('a server error is HttpSourceError with its status; offline is status null', async () => {
    const down: typeof fetch = async () => new Response('x', { status: 503, statusText: 'Service Unavailable' });
    const e = await probeFile(BASE + 'config.json', 'config.json', down).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpSourceError);
    expect((e as Error).message).toBe(`config.json: server answered HTTP 503 for ${BASE}config.json: Service Unavailable`);
    const hub = fakeHub({});
    hub.offline = true;
    const off = await probeFile(BASE + 'config.json', 'config.json', hub.fetch).catch((x: unknown) => x);
    expect((off as HttpSourceError).status).toBeNull();
    expect((off as Error).message).toMatch(/^config.json: network error for https:\/\/hub.test\/.*config.json, no HTTP reply .*TypeError: Failed to fetch$/);
  });
});

describe('downloadFile', () => {
  it('from 0 without a Range header; the whole file lands in the sink', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    const { file, sink } = memFile();
    const seen: number[] = [];
    expect(await downloadFile(opts(hub, sink, { onBytes: (n) => seen.push(n) }))).toBe('"etag-model.safetensors-1"');
    expect(file.bytes).toEqual(W);
    expect(hub.log).toEqual(['model.safetensors -']);
    expect(seen.at(-1)).toBe(50_000);
    expect(seen.length).toBeGreaterThan(5); // chunk by chunk
  });
  it('a dropped connection keeps the bytes received; the next call asks Range from there and completes', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    hub.dropAfter['model.safetensors'] = 12_345;
    const { file, sink } = memFile();
    const e = await downloadFile(opts(hub, sink)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpSourceError);
    expect((e as HttpSourceError).status).toBeNull();
    expect((e as Error).message).toMatch(/model.safetensors: network error .*the connection dropped after 12345 of 50000 bytes/);
    expect(file.bytes.byteLength).toBe(12_345);
    await downloadFile(opts(hub, sink, { offset: 12_345, etag: hub.etags['model.safetensors'] }));
    expect(hub.log).toEqual(['model.safetensors -', 'model.safetensors bytes=12345-']);
    expect(file.opened).toEqual([0, 12_345]);
    expect(file.bytes).toEqual(W);
  });
  it('a partial of a file that changed since (another ETag) is restarted from 0', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    hub.etags['model.safetensors'] = '"etag-new"';
    const { file, sink } = memFile(bytesOf(1000, 7));
    await downloadFile(opts(hub, sink, { offset: 1000, etag: '"etag-old"' }));
    expect(hub.log).toEqual(['model.safetensors bytes=1000-', 'model.safetensors -']);
    expect(file.bytes).toEqual(W);
  });
  it('cancel mid-file: DownloadCancelledError naming the model, file and the bytes kept', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    const { file, sink } = memFile();
    const ctrl = new AbortController();
    const e = await downloadFile(opts(hub, sink, { signal: ctrl.signal, onBytes: (n) => n > 20_000 && ctrl.abort() })).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DownloadCancelledError);
    expect((e as Error).message).toMatch(/^download of org\/repo@main cancelled at model.safetensors \(\d+ of 50000 bytes kept as a partial file/);
    expect(file.bytes.byteLength).toBe((e as DownloadCancelledError).kept);
    expect(file.bytes).toEqual(W.slice(0, file.bytes.byteLength));
  });
  it('a storage failure while writing is CacheWriteError, not a network error', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    let n = 0;
    const full = async (): Promise<Sink> => ({
      write: async (b) => {
        if ((n += b.byteLength) > 10_000) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
      },
      close: async () => {},
    });
    const e = await downloadFile(opts(hub, full)).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(CacheWriteError);
    expect((e as Error).message).toBe("model.safetensors of org/repo@main: writing into the browser's storage failed after 8192 bytes " +
      '(QuotaExceededError: The quota has been exceeded.); free space on the Storage screen, then load again to resume');
  });
  it('404 is MissingFileError; a 206 for another offset is refused', async () => {
    const hub = fakeHub({ 'model.safetensors': W });
    const { sink } = memFile();
    await expect(downloadFile(opts(hub, sink, { url: BASE + 'x.bin', path: 'x.bin' }))).rejects.toThrow(MissingFileError);
    const liar: typeof fetch = async () => new Response(W.slice(0, 10), { status: 206, headers: { 'content-range': 'bytes 0-9/50000' } });
    await expect(downloadFile(opts(hub, sink, { fetch: liar, offset: 100 }))).rejects.toThrow(/asked for bytes 100- of 50000, got Content-Range "bytes 0-9\/50000"/);
  });
});
