// Loads the committed tiny model over HTTP from a localhost server with Range support and
// counts the body bytes the server sends: only headers and the asked-for tensors travel.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, normalize } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseVlmConfig } from '../config.ts';
import { HttpSourceError, MissingFileError } from './errors.ts';
import { httpSource } from './sources.ts';
import { folderFromFiles, folderFromUrl } from './folder.ts';
import { Checkpoint } from './safetensors.ts';
import { loadTokenizer } from './tokenizer.ts';
import { isVisionWeight, loadWeights } from './weights.ts';

const ROOT = 'public/models/tiny-random';
let server: Server;
let base = '';
let sent = 0;
const requests: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const rel = normalize(decodeURIComponent(req.url!.replace(/^\/models\/tiny-random\//, ''))).replace(/^(\.\.[/\\])+/, '');
    const path = join(ROOT, rel);
    let size: number;
    try { size = statSync(path).size; } catch { res.writeHead(404).end(); return; }
    const data = readFileSync(path);
    const m = /^bytes=(\d+)-(\d+)$/.exec(req.headers.range ?? '');
    requests.push(`${rel} ${req.headers.range ?? 'all'}`);
    if (!m) { sent += size; res.writeHead(200, { 'content-length': size }).end(data); return; }
    const a = Number(m[1]), b = Math.min(Number(m[2]), size - 1);
    if (a >= size) { res.writeHead(416, { 'content-range': `bytes */${size}` }).end(); return; }
    sent += b - a + 1;
    res.writeHead(206, { 'content-range': `bytes ${a}-${b}/${size}`, 'content-length': b - a + 1 }).end(data.subarray(a, b + 1));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address() as { port: number };
  base = `http://127.0.0.1:${addr.port}/models/tiny-random/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('model folder over HTTP (Range requests)', () => {
  it('reads one tensor: 1-byte size probe + 8-byte length + header + that tensor only', async () => {
    sent = 0;
    const folder = folderFromUrl(base);
    const ck = await Checkpoint.open(folder);
    const afterHeader = sent;
    const header = ck.files.get('model.safetensors')!.headerBytes;
    expect(afterHeader).toBe(1 + 8 + (header - 8));
    const name = 'model.text_model.norm.weight';
    const info = ck.info(name);
    const data = await ck.readF32(name);
    expect(data.length).toBe(64);
    expect(sent - afterHeader).toBe(info.end - info.begin);
    expect(sent).toBeLessThan(statSync(join(ROOT, 'model.safetensors')).size / 50);
  });
  it('loads config, tokenizer and the vision weights only', async () => {
    sent = 0;
    const folder = folderFromUrl(base);
    const config = parseVlmConfig(await folder.readJson('config.json'));
    const tok = await loadTokenizer(folder);
    expect(tok.decode(tok.encode('a blue ball'))).toBe('a blue ball');
    const before = sent;
    const w = await loadWeights(folder, config, { only: isVisionWeight });
    let tensorBytes = 0;
    for (const [, t] of w) tensorBytes += t.data.length * 4; // f32 fixture
    const ckHeader = Number(new DataView(readFileSync(join(ROOT, 'model.safetensors')).buffer).getBigUint64(0, true));
    expect(sent - before).toBe(1 + 8 + ckHeader + tensorBytes);
  });
  it('a missing file is a MissingFileError naming it', async () => {
    const folder = folderFromUrl(base);
    expect(await folder.exists('chat_template.json')).toBe(false);
    await expect(folder.readText('nope.json')).rejects.toThrow(MissingFileError);
    await expect(folder.readText('nope.json')).rejects.toThrow(/missing file "nope.json"/);
  });
});

describe('model folder from dropped Files', () => {
  it('strips the dropped folder name from webkitRelativePath', async () => {
    const mk = (rel: string) => {
      const f = new File([readFileSync(join(ROOT, rel))], rel.split('/').pop()!);
      Object.defineProperty(f, 'webkitRelativePath', { value: `tiny-random/${rel}` });
      return f;
    };
    const folder = folderFromFiles(['config.json', 'tokenizer.json', 'tokenizer_config.json', 'model.safetensors', 'onnx/vision_encoder.onnx'].map(mk));
    expect(folder.name).toBe('tiny-random');
    expect(folder.list()).toContain('onnx/vision_encoder.onnx');
    const config = parseVlmConfig(await folder.readJson('config.json'));
    const w = await loadWeights(folder, config, { only: (n) => n === 'lm_head.weight' });
    expect(w.get('lm_head.weight')!.data.length).toBe(config.text.vocab_size * 64);
  });
});

describe('httpSource edge cases (fake fetch)', () => {
  const body = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  it('a server that ignores Range: one full download, then slices', async () => {
    let calls = 0;
    const src = httpSource('f.bin', 'http://h/f.bin', { fetch: async () => { calls++; return new Response(body, { status: 200 }); } });
    expect(await src.size()).toBe(10);
    expect([...(await src.read(2, 3))]).toEqual([3, 4, 5]);
    expect([...(await src.read(8, 2))]).toEqual([9, 10]);
    expect(calls).toBe(1);
  });
  it('reads past the end name the file; HTTP errors name status and URL', async () => {
    const ok = httpSource('f.bin', 'http://h/f.bin', { fetch: async () => new Response(body, { status: 200 }) });
    await expect(ok.read(8, 5)).rejects.toThrow(/f.bin: read of 5 bytes at offset 8 runs past the end of the file \(10 bytes\)/);
    const bad = httpSource('g.bin', 'http://h/g.bin', { fetch: async () => new Response('no', { status: 403, statusText: 'Forbidden' }) });
    await expect(bad.size()).rejects.toThrow(HttpSourceError);
    await expect(bad.size()).rejects.toThrow(/g.bin: server answered HTTP 403 for http:\/\/h\/g.bin: Forbidden/);
  });
  it('offline / unreachable: fetch rejects → HttpSourceError with no status, naming file, URL and cause', async () => {
    // what browsers' fetch does without a network reply (Chromium's words)
    const offline = httpSource('model.safetensors', 'https://hub.example/m/resolve/main/model.safetensors', {
      fetch: async () => { throw new TypeError('Failed to fetch'); },
    });
    const e = await offline.size().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(HttpSourceError);
    expect((e as HttpSourceError).status).toBeNull();
    expect((e as Error).message).toBe('model.safetensors: network error for https://hub.example/m/resolve/main/model.safetensors, no HTTP reply ' +
      '(offline, host unreachable, or the request was blocked, e.g. by CORS): request for bytes 0-0 failed: TypeError: Failed to fetch');
  });
  it('a connection dropped mid-body is a network error too; the server failing is HTTP with its status', async () => {
    const dropped = new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1, 2])); c.error(new TypeError('network error')); } });
    const src = httpSource('w.bin', 'http://h/w.bin', {
      fetch: async () => new Response(dropped, { status: 206, headers: { 'content-range': 'bytes 0-0/10' } }),
    });
    await expect(src.size()).rejects.toThrow(/^w.bin: network error for http:\/\/h\/w.bin, no HTTP reply .*: reading the first byte failed: TypeError: network error$/);
    const down = httpSource('w.bin', 'http://h/w.bin', { fetch: async () => new Response('bad gateway', { status: 502, statusText: 'Bad Gateway' }) });
    const e = await down.size().catch((x: unknown) => x);
    expect([(e as HttpSourceError).status, (e as Error).message]).toEqual([502, 'w.bin: server answered HTTP 502 for http://h/w.bin: Bad Gateway']);
  });
});
