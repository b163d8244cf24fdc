// Protocol round trip in a REAL dedicated Worker (workers/engine.worker.ts) on SwiftShader
// WebGPU: bundled tiny model, synthetic scenes through the vision encoder and the IndexedDB
// feature cache, then a short training run driven by start / pause / resume / stop.
import { afterAll, expect, test } from 'vitest';
import type { EngineEvent, TrainMetricsEvent, TrainStateEvent } from '../protocol/messages.ts';
import { EngineClient, EngineError } from './engineClient.ts';

const events: EngineEvent[] = [];
const client = EngineClient.spawn((es) => events.push(...es));
afterAll(() => client.terminate());

function waitFor<T extends EngineEvent>(pred: (e: EngineEvent) => e is T, from: number, ms = 120_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const poll = () => {
      const hit = events.slice(from).find(pred);
      if (hit) return resolve(hit);
      if (performance.now() - t0 > ms) return reject(new Error(`no matching event within ${ms} ms; saw ${events.slice(from).map((e) => e.type).join(', ')}`));
      setTimeout(poll, 50);
    };
    poll();
  });
}
const isMetrics = (e: EngineEvent): e is TrainMetricsEvent => e.type === 'train-metrics';
const isState = (s: TrainStateEvent['state']) => (e: EngineEvent): e is TrainStateEvent => e.type === 'train-state' && e.state === s;

// Fresh seed per run: the feature cache persists in the browser profile's IndexedDB.
const seed = 1000 + Math.floor(Math.random() * 1e6);

test('UI work in the worker, before any model: File objects cross postMessage for preview-data; scenes decode; rank', async () => {
  const { scenes } = await client.request('synthetic-scenes', { split: 'test', count: 3, seed: 5 });
  expect(scenes).toHaveLength(3);
  const bmp = await createImageBitmap(new Blob([scenes[0].png], { type: 'image/png' }));
  expect([bmp.width, bmp.height]).toEqual([64, 64]);
  const files = [
    new File([scenes[1].png], 'b.png', { type: 'image/png' }),
    new File([`image,caption\nb.png,${scenes[1].caption}\nmissing.png,gone\n`], 'captions.csv'),
  ];
  const preview = await client.request('preview-data', { files: files.map((f) => ({ path: `drop/${f.name}`, data: f })) });
  expect(preview.tiles).toEqual([{ index: 0, path: 'drop/b.png', caption: scenes[1].caption }]);
  expect(preview.problems.map((p) => p.line)).toEqual([3]);
  const g = new Float32Array([1, 0, 0.6, 0.8, 0, 1]);
  expect(await client.request('rank', { query: g.slice(4).buffer, gallery: g.slice().buffer, n: 3, dim: 2, k: 2 }))
    .toEqual({ indices: [2, 1], scores: [1, Math.fround(0.8)] });
});

test('load-model + load-data: the second load of the same images hits the feature cache', async () => {
  const device = await client.request('device-info', {});
  expect(device.caps.adapter).toBeTruthy();
  // the other bundled model by name (random weights, 32 px → 4 image tokens) …
  const random = await client.request('load-model', { source: { kind: 'bundled', name: 'tiny-random' } });
  expect(random.name).toBe('tiny-random');
  expect(random).toMatchObject({ hidden: 64, layers: 2, tokensPerImage: 4 });
  // no discern.json: a recipe scaled to its width (64 → lr 6e-3)
  expect(random.recipe).toMatchObject({ source: 'model size', config: { lr: 0.006, batchSize: 16 } });
  // … and the default: the pretrained discern-tiny v2 (48 px → 9 image tokens)
  const info = await client.request('load-model', { source: { kind: 'bundled' } });
  expect(info.name).toBe('discern-tiny-v2');
  expect(info).toMatchObject({ hidden: 64, layers: 2, tokensPerImage: 9 });
  // its discern.json: the evidence recipe (lr 1e-2 chosen on val)
  expect(info.recipe).toMatchObject({ source: 'discern.json', config: { lr: 0.01, batchSize: 16, steps: 60 } });
  expect(info.modelId).not.toBe(random.modelId);
  expect(info.modelId).toMatch(/@[0-9a-f]{16}-\d+$/);
  // The pool's accounting: the loaded weights are live; a reset peak starts at the live bytes.
  const mem = await client.request('gpu-memory', { resetPeak: true });
  expect(mem.liveBytes).toBeGreaterThan(1e5);
  expect(mem.peakLiveBytes).toBeGreaterThanOrEqual(mem.liveBytes);
  expect(mem.liveBuffers).toBeGreaterThan(10);
  expect((await client.request('gpu-memory', {})).peakLiveBytes).toBe(mem.liveBytes);

  const first = await client.request('load-data', { kind: 'synthetic', count: 8, seed });
  expect(first).toMatchObject({ kind: 'synthetic', train: 8, validation: 4, images: 12, cacheHits: 0, cacheMisses: 12, problems: [] });
  const second = await client.request('load-data', { kind: 'synthetic', count: 8, seed });
  expect(second).toMatchObject({ images: 12, cacheHits: 12, cacheMisses: 0 });
  expect(events.some((e) => e.type === 'progress' && e.task === 'vision-features' && e.done === 12)).toBe(true);

  const emb = await client.request('embed', { texts: ['a red cube', 'a blue ball'] });
  expect(emb.dim).toBe(64);
  const t = new Float32Array(emb.texts!);
  expect(t.length).toBe(128);
  const norm = Math.hypot(...t.subarray(0, 64));
  expect(norm).toBeCloseTo(1, 4);
});

test('invalid config is refused with per-field errors before anything runs', async () => {
  const err = await client.request('train-start', { config: { batchSize: 1, lr: -1 } }).catch((e: EngineError) => e);
  expect(err).toBeInstanceOf(EngineError);
  expect((err as EngineError).name).toBe('TrainConfigError');
  const fields = (err as EngineError).wire?.fields?.map((f) => f.field) ?? [];
  expect(fields).toEqual(expect.arrayContaining(['batchSize', 'lr']));
});

test('train-start → metrics → pause (checkpoint) → resume → stop → export → resume the run by id', async () => {
  const runId = `host-test-${seed}`;
  const config = { steps: 20, batchSize: 4, chunkSize: 4, warmupSteps: 0, checkpointEvery: 0, validateEvery: 0, maxLongTokens: 16, lora: { rank: 4, alpha: 8, modules: ['q', 'v'] } };
  const mark = events.length;
  const started = await client.request('train-start', { config, runId });
  expect(started).toMatchObject({ runId, resumedFrom: null });
  const m1 = await waitFor(isMetrics, mark);
  expect(m1).toMatchObject({ runId, totalSteps: 20 });
  expect(Number.isFinite(m1.loss) && Number.isFinite(m1.lr) && m1.etaSeconds >= 0).toBe(true);

  const paused = await client.request('train-pause', {});
  expect(paused.state).toBe('paused');
  expect(paused.checkpoint).toMatchObject({ runId, step: paused.step });
  expect(paused.checkpoint!.bytes).toBeGreaterThan(0);
  const listed = await client.request('list-checkpoints', { runId });
  expect(listed.runs[0].entries.map((e) => e.step)).toContain(paused.step);

  const markResume = events.length;
  expect((await client.request('train-resume', {})).state).toBe('running');
  const m2 = await waitFor(isMetrics, markResume);
  expect(m2.step).toBe(paused.step + 1);
  const stopped = await client.request('train-stop', {});
  expect(stopped.state).toBe('stopped');
  expect(events.slice(mark).some(isState('paused'))).toBe(true);

  const steps = events.slice(mark).filter(isMetrics).map((e) => e.step);
  expect(steps).toEqual(Array.from({ length: steps.length }, (_, i) => i + 1)); // every step, in order

  const exp = await client.request('export-adapter', {});
  expect(exp.files.map((f) => f.name).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors']);
  expect(JSON.parse(new TextDecoder().decode(exp.files.find((f) => f.name === 'adapter_config.json')!.bytes))).toMatchObject({ r: 4, lora_alpha: 8, base_model_name_or_path: 'discern-tiny-v2' });

  // A new train-start with the same runId resumes from its latest checkpoint (the stop's).
  expect(stopped.step).toBeLessThan(20);
  expect(stopped.checkpoint).toMatchObject({ runId, step: stopped.step });
  const markAgain = events.length;
  const again = await client.request('train-start', { runId });
  expect(again).toMatchObject({ runId, resumedFrom: stopped.step });
  expect(again.config).toMatchObject({ batchSize: 4, lora: { rank: 4 } }); // the run's own config, from the checkpoint
  const m3 = await waitFor(isMetrics, markAgain);
  expect(m3.step).toBe(stopped.step + 1);
  expect((await client.request('train-stop', {})).state).toBe('stopped');
});
