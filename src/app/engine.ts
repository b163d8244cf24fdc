// The one EngineClient of the app. Its events go to a single sink — the zustand store
// (store.ts registers it at import time). Events that arrive before the sink exists are
// queued, so nothing is lost between spawn and registration.
import type { EngineEvent } from '../protocol/messages.ts';
import { EngineClient } from './engineClient.ts';

let client: EngineClient | null = null;
let sink: ((events: EngineEvent[]) => void) | null = null;
const early: EngineEvent[][] = [];

/** Registers the only consumer of worker events (the store). Replays queued batches. */
export function setEngineEventSink(fn: (events: EngineEvent[]) => void): void {
  sink = fn;
  while (early.length) fn(early.shift()!);
}

/** The app-wide engine client (spawns the worker on first use). */
export function getEngine(): EngineClient {
  client ??= EngineClient.spawn((events) => (sink ? sink(events) : early.push(events)));
  return client;
}
