// The zustand store: the only consumer of worker events.
import { create } from 'zustand';
import type { GpuCaps } from '../engine/gpu/device.ts';
import type { EngineEvent } from '../protocol/messages.ts';
import { getEngine, setEngineEventSink } from './engine.ts';

export interface DeviceSlice {
  status: 'idle' | 'loading' | 'ready' | 'error';
  caps?: GpuCaps;
  summary?: string;
  error?: string;
  checks?: { name: string; maxAbsErr: number; ok: boolean }[];
}

interface State {
  device: DeviceSlice;
  fatal?: string;
  connect(): Promise<void>;
  runSelfCheck(): Promise<void>;
}

export const useStore = create<State>((set) => {
  setEngineEventSink((events: EngineEvent[]) => {
    for (const e of events) if (e.type === 'fatal') set({ fatal: e.error.message });
  });
  const engine = getEngine;
  return {
    device: { status: 'idle' },
    async connect() {
      set({ device: { status: 'loading' } });
      try {
        const r = await engine().request('device-info', {});
        set({ device: { status: 'ready', caps: r.caps, summary: r.summary } });
      } catch (e) {
        set({ device: { status: 'error', error: (e as Error).message } });
      }
    },
    async runSelfCheck() {
      const r = await engine().request('self-check', {});
      set((s) => ({ device: { ...s.device, checks: r.checks } }));
    },
  };
});
