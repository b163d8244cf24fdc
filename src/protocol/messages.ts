// The worker protocol: a typed, boring discriminated union (web-llm message.ts style).
// UI → worker: requests with ids. Worker → UI: one result or error reply per request id,
// plus un-correlated events (progress/metrics) batched in time. No runtime code here.

import type { GpuCaps } from '../engine/gpu/device.ts';

export type Request =
  | { id: number; type: 'device-info' }
  | { id: number; type: 'self-check' };

export type ResultOf<R extends Request['type']> = R extends 'device-info'
  ? { caps: GpuCaps; summary: string }
  : R extends 'self-check'
    ? { checks: { name: string; maxAbsErr: number; ok: boolean }[] }
    : never;

/** Errors cross the boundary as their class name + message (see src/engine/gpu/errors.ts). */
export interface WireError {
  name: string;
  message: string;
}

export type Reply =
  | { id: number; type: 'result'; result: unknown }
  | { id: number; type: 'error'; error: WireError };

export type EngineEvent =
  | { type: 'progress'; task: string; done: number; total: number; unit: 'bytes' | 'items' | 'steps' }
  | { type: 'fatal'; error: WireError };

export type WorkerMessage = Reply | { type: 'events'; events: EngineEvent[] };
