// EventBatcher: ≤ 1 post per interval, every train-metrics kept, progress coalesced per task.
import { afterEach, expect, test, vi } from 'vitest';
import type { EngineEvent } from '../../protocol/messages.ts';
import { EventBatcher } from './events.ts';

afterEach(() => void vi.useRealTimers());

const metrics = (step: number): EngineEvent => ({
  type: 'train-metrics', runId: 'r', step, totalSteps: 100, epoch: 0, loss: 1, contrastive: 1, nextToken: 0, lr: 1e-4,
  gradNorm: 1, examplesPerSec: 1, etaSeconds: 1, peakBytes: 0, seconds: 0.01,
});

test('posts at most once per interval, keeps every metrics event, coalesces progress', () => {
  vi.useFakeTimers();
  const posts: { at: number; events: EngineEvent[] }[] = [];
  const b = new EventBatcher((events) => posts.push({ at: Date.now(), events }), 250, () => Date.now());
  const t0 = Date.now();
  for (let s = 1; s <= 40; s++) {
    b.emit(metrics(s));
    b.emit({ type: 'progress', task: 'vision-features', done: s, total: 40, unit: 'items' });
    vi.advanceTimersByTime(25); // a step every 25 ms: 1 s in total
  }
  vi.advanceTimersByTime(250);
  expect(posts.length).toBeGreaterThanOrEqual(4);
  expect(posts.length).toBeLessThanOrEqual(5); // 1 s of events → ≤ 4 posts, + the tail
  for (let i = 1; i < posts.length; i++) expect(posts[i].at - posts[i - 1].at).toBeGreaterThanOrEqual(250);
  const all = posts.flatMap((p) => p.events);
  expect(all.filter((e) => e.type === 'train-metrics').map((e) => (e as { step: number }).step)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  for (const p of posts) expect(p.events.filter((e) => e.type === 'progress').length).toBe(1);
  expect(all.filter((e) => e.type === 'progress').at(-1)).toMatchObject({ done: 40 });
  expect(posts[0].at - t0).toBe(0);
});

test('flush posts immediately and an empty flush posts nothing', () => {
  const posts: EngineEvent[][] = [];
  const b = new EventBatcher((e) => posts.push(e), 250);
  b.flush();
  expect(posts).toEqual([]);
  b.emit({ type: 'checkpoint-saved', runId: 'r', step: 3, bytes: 10 });
  b.flush();
  expect(posts).toEqual([[{ type: 'checkpoint-saved', runId: 'r', step: 3, bytes: 10 }]]);
});

test('download snapshots are coalesced to the latest (each holds every file)', () => {
  const posts: EngineEvent[][] = [];
  const b = new EventBatcher((e) => posts.push(e), 250);
  const snap = (bytes: number): EngineEvent => ({ type: 'download', model: 'o/r@main', phase: 'downloading', files: [{ path: 'model.safetensors', state: 'downloading', bytes, total: 10, resumedFrom: 0, bytesPerSec: 1, etaSec: 1 }] });
  b.flush();
  b.emit(snap(1));
  b.emit(snap(2));
  b.emit({ type: 'progress', task: 'load-model', done: 1, total: 2, unit: 'bytes' });
  b.emit(snap(3));
  b.flush();
  expect(posts).toEqual([[{ type: 'progress', task: 'load-model', done: 1, total: 2, unit: 'bytes' }, snap(3)]]);
});
