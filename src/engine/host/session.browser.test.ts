// The host's error paths with real causes (in-page EngineHandler, SwiftShader WebGPU):
//  * a learning rate of 1e8 (the largest the config allows) really diverges → train-state 'error' named NonFiniteLossError,
//    and the last good checkpoint is still listed;
//  * a checkpoint store with a tiny quota really refuses the pause checkpoint →
//    train-state 'error' named StorageQuotaError, message listing what is stored.
//  * a store with room for two checkpoints refuses the third (checkpointEvery 1) → StorageQuotaError
//    saying the earlier ones are intact, and they are: steps 1 and 2 stay listed and load.
//  * the GPU device is lost mid-run (debug-lose-device destroys it) → 'fatal' GpuDeviceLostError
//    and train-state 'error'; the checkpoints stay listed, the next request gets a new device
//    with the model reloaded on it, and the run resumes from its last checkpoint and completes.
//  * lr 1e4 makes the loss jump → one train-warning (loss-rise) at step 3, the run completes.
import { expect, test } from 'vitest';
import { memoryKeyValueStore } from '../train/checkpoint/index.ts';
import type { EngineEvent, Reply, TrainStateEvent } from '../../protocol/messages.ts';
import { memoryFeatureStore } from './feature_cache.ts';
import { EngineHandler } from './handler.ts';

function host(quotaBytes?: number, debug = false) {
  const events: EngineEvent[] = [];
  const replies = new Map<number, Reply>();
  const h = new EngineHandler((m) => (m.type === 'events' ? events.push(...m.events) : replies.set(m.id, m)), {
    featureStore: memoryFeatureStore(), checkpointStore: memoryKeyValueStore({ quotaBytes }), eventIntervalMs: 50, debug,
  });
  let id = 0;
  const call = async (type: string, args: unknown) => {
    const req = { id: ++id, type, args } as Parameters<EngineHandler['handle']>[0];
    await h.handle(req);
    const r = replies.get(req.id)!;
    if (r.type === 'error') throw Object.assign(new Error(r.error.message), { name: r.error.name });
    return r.result as Record<string, unknown>;
  };
  const until = async (pred: (e: EngineEvent) => boolean, ms = 120_000) => {
    const t0 = performance.now();
    for (;;) {
      const hit = events.find(pred);
      if (hit) return hit;
      if (performance.now() - t0 > ms) throw new Error(`timed out; events: ${events.map((e) => e.type).join(', ')}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return { call, until, events, dispose: () => h.dispose() };
}

const small = { batchSize: 4, chunkSize: 4, warmupSteps: 0, validateEvery: 0, maxLongTokens: 8, lora: { rank: 2, alpha: 2, modules: ['q'] } };

test('divergence ends the run in state error (NonFiniteLossError) with the last good checkpoint kept', async () => {
  const { call, until, dispose } = host();
  await call('load-model', { source: { kind: 'bundled' } });
  await call('load-data', { kind: 'synthetic', count: 8, seed: 3 });
  await call('train-start', { runId: 'diverge', config: { ...small, steps: 4, lr: 1e8, checkpointEvery: 1 } });
  const e = (await until((e) => e.type === 'train-state' && e.state === 'error')) as TrainStateEvent;
  expect(e.errorName).toBe('NonFiniteLossError');
  expect(e.message).toMatch(/diverged at step \d+: NaN\/Inf/);
  const list = await call('list-checkpoints', { runId: 'diverge' });
  const entries = (list.runs as { entries: { step: number }[] }[])[0].entries;
  expect(entries.length).toBeGreaterThan(0);
  expect(Math.max(...entries.map((x) => x.step))).toBe(e.step); // the last finished update
  await dispose();
});

test('a full store ends the run in state error (StorageQuotaError) when pausing', async () => {
  const { call, until, dispose } = host(20_000); // even a rank-2 checkpoint (weights + Adam moments + soft prompts) is larger
  await call('load-model', { source: { kind: 'bundled' } });
  await call('load-data', { kind: 'synthetic', count: 8, seed: 3 });
  await call('train-start', { runId: 'full', config: { ...small, steps: 50, checkpointEvery: 0 } });
  await until((e) => e.type === 'train-metrics');
  const paused = await call('train-pause', {});
  expect(paused.state).toBe('error');
  const e = (await until((e) => e.type === 'train-state' && e.state === 'error')) as TrainStateEvent;
  expect(e.errorName).toBe('StorageQuotaError');
  expect(e.message).toMatch(/storage full: saving .*full/);
  await dispose();
});

test('a store full after two checkpoints keeps them and says so when the third is refused', async () => {
  const probe = host(); // one checkpoint's size, measured rather than assumed
  await probe.call('load-model', { source: { kind: 'bundled' } });
  await probe.call('load-data', { kind: 'synthetic', count: 8, seed: 3 });
  await probe.call('train-start', { runId: 'probe', config: { ...small, steps: 1, checkpointEvery: 1 } });
  const saved = (await probe.until((e) => e.type === 'checkpoint-saved')) as { bytes: number };
  await probe.dispose();

  const { call, until, events, dispose } = host(Math.round(saved.bytes * 2.5));
  await call('load-model', { source: { kind: 'bundled' } });
  await call('load-data', { kind: 'synthetic', count: 8, seed: 3 });
  await call('train-start', { runId: 'keep', config: { ...small, steps: 10, checkpointEvery: 1 } });
  const e = (await until((e) => e.type === 'train-state' && e.state === 'error')) as TrainStateEvent;
  expect(e.errorName).toBe('StorageQuotaError');
  expect(e.message).toMatch(/storage full: saving .*Stored now: run "keep": 2 checkpoint\(s\).*Earlier checkpoints are intact/);
  expect(events.filter((x) => x.type === 'checkpoint-saved').map((x) => (x as { step: number }).step)).toEqual([1, 2]);
  const list = await call('list-checkpoints', { runId: 'keep' });
  expect((list.runs as { entries: { step: number }[] }[])[0].entries.map((x) => x.step)).toEqual([1, 2]);
  // the stored step-2 checkpoint loads intact (CRC-checked): the run resumes from it
  expect((await call('train-start', { runId: 'keep' })).resumedFrom).toBe(2);
  await call('train-stop', {}).catch(() => undefined); // the resumed run hits the same quota; either end is fine here
  await dispose();
});

test('lr 1e4 makes the loss jump: one train-warning (loss-rise) event, the run goes on', async () => {
  const { call, until, events, dispose } = host();
  await call('load-model', { source: { kind: 'bundled' } });
  await call('load-data', { kind: 'synthetic', count: 8, seed: 3 });
  await call('train-start', { runId: 'rise', config: { ...small, steps: 3, lr: 1e4, checkpointEvery: 0 } });
  const end = (await until((e) => e.type === 'train-state' && e.state !== 'running')) as TrainStateEvent;
  const losses = events.flatMap((e) => (e.type === 'train-metrics' ? [e.loss] : []));
  const warnings = events.filter((e) => e.type === 'train-warning');
  console.log(`lr 1e4 losses ${losses.join(', ')} → ${warnings.map((w) => w.message).join(' | ')}`);
  expect([end.state, end.step]).toEqual(['stopped', 3]);
  expect(warnings.map((w) => [w.kind, w.step, w.runId])).toEqual([['loss-rise', 3, 'rise']]);
  expect(warnings[0].message).toMatch(/^loss rose sharply: .* at step 3 is \d+\.\d× the .* before step 2/);
  await dispose();
});

test('GPU device loss mid-run: said so, checkpoints kept, a new device on the next request, the run resumes', async () => {
  const { call, until, events, dispose } = host(undefined, true);
  await call('load-model', { source: { kind: 'bundled' } });
  await call('load-data', { kind: 'synthetic', count: 8, seed: 3 });
  await call('train-start', { runId: 'lost', config: { ...small, steps: 200, checkpointEvery: 1 } });
  await until((e) => e.type === 'checkpoint-saved' && e.step >= 2);
  expect(await call('debug-lose-device', {})).toEqual({ lost: true });
  const e = (await until((e) => e.type === 'train-state' && e.state === 'error')) as TrainStateEvent;
  expect(e.errorName).toBe('GpuDeviceLostError');
  expect(e.message).toMatch(/^The GPU device was lost \(destroyed\): .*new device on the next request.*resume from the last checkpoint/);
  const fatal = events.find((x) => x.type === 'fatal') as { error: { name: string } } | undefined;
  expect(fatal?.error.name).toBe('GpuDeviceLostError');

  const list = await call('list-checkpoints', { runId: 'lost' });
  const last = Math.max(...(list.runs as { entries: { step: number }[] }[])[0].entries.map((x) => x.step));
  expect(last).toBeGreaterThanOrEqual(2);
  expect((await call('device-info', {})).summary).toBeTruthy(); // a new device
  const r = await call('train-start', { runId: 'lost' });
  expect(r.resumedFrom).toBe(last);
  const n = events.length;
  const after = () => events.slice(n);
  await until((x) => after().includes(x) && x.type === 'train-metrics' && x.step === last + 2);
  await call('train-stop', {});
  const end = (await until((x) => after().includes(x) && x.type === 'train-state' && x.state !== 'running')) as TrainStateEvent;
  expect([end.state, end.errorName]).toEqual(['stopped', undefined]);
  await dispose();
});

test('debug-lose-device is refused without the debug option', async () => {
  const { call, dispose } = host();
  await expect(call('debug-lose-device', {})).rejects.toThrow(/debug-lose-device: the engine was not started with its debug option/);
  await dispose();
});
