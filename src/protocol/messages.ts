// The worker protocol: a typed, boring discriminated union (web-llm message.ts style).
// UI → worker: requests with ids. Worker → UI: one result or error reply per request id,
// plus un-correlated events (progress/metrics) batched in time. No runtime code here.

import type { GpuCaps } from '../engine/gpu/device.ts';

/** Every request type with its arguments and its result. */
export interface Api {
  'device-info': { args: Record<string, never>; result: { caps: GpuCaps; summary: string } };
  'self-check': { args: Record<string, never>; result: { checks: { name: string; maxAbsErr: number; ok: boolean }[] } };
}

export type RequestType = keyof Api;
export type Request = { [K in RequestType]: { id: number; type: K; args: Api[K]['args'] } }[RequestType];
export type ResultOf<K extends RequestType> = Api[K]['result'];

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
