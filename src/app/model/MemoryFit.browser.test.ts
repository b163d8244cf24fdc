// The Model screen's memory estimate, rendered in a real page: the bundled tiny model's
// config.json is fetched from the dev server and the estimate shown; an adapter whose binding
// limit is below the model's largest activation gets the refusal (role=alert), and a folder
// of the 500M preset's config is read from dropped files (bf16: frozen weights kept packed).
import { createElement } from 'react';
import { createRoot } from 'react-dom/client';
import { flushSync } from 'react-dom';
import { afterAll, expect, test } from 'vitest';
import { presetOptions } from '../../../scripts/tiny-model/presets.ts';
import { tinyConfigJson } from '../../../scripts/tiny-model/tiny-model.ts';
import type { GpuCaps } from '../../protocol/gpu.ts';
import { useStore } from '../store.ts';
import { MemoryFitNote, useMemoryFit } from './MemoryFit.tsx';

const host = document.createElement('div');
document.body.append(host);
const root = createRoot(host);
afterAll(() => root.unmount());

function Harness() {
  return createElement(MemoryFitNote, { fit: useMemoryFit() });
}

const caps = (binding: number): GpuCaps => ({
  adapter: { vendor: 'test', architecture: '', description: '', device: '' },
  features: { shaderF16: false, subgroups: false, timestampQuery: false },
  limits: {
    maxStorageBufferBindingSize: binding, maxBufferSize: 2 ** 31, maxComputeWorkgroupStorageSize: 16384,
    maxComputeInvocationsPerWorkgroup: 256, maxComputeWorkgroupsPerDimension: 65535, maxStorageBuffersPerShaderStage: 8,
    minUniformBufferOffsetAlignment: 256,
  },
});

async function until(pred: () => boolean, what: string, ms = 10_000) {
  const t0 = performance.now();
  while (!pred()) {
    if (performance.now() - t0 > ms) throw new Error(`timed out waiting for ${what}; page: ${host.textContent}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

test('estimate for the bundled model; refusal below the binding limit; a dropped bf16 folder', async () => {
  useStore.setState({ device: { status: 'ready', caps: caps(2 ** 31) } });
  useStore.setState({ model: { ...useStore.getState().model, kind: 'bundled', bundled: 'tiny-random' } });
  flushSync(() => root.render(createElement(Harness)));
  await until(() => !!host.querySelector('[data-testid=memory-summary]'), 'the estimate');
  expect(host.querySelector('[data-testid=memory-summary]')!.textContent).toMatch(/^Needs ≈ [\d.]+ (MB|GB) of GPU memory for training at batch \d+; this adapter allows 2\.1 GB per buffer \(WebGPU does not report the total\)/);
  expect(host.querySelector('[data-testid=memory-refusal]')).toBeNull();

  flushSync(() => useStore.setState({ device: { status: 'ready', caps: caps(4096) } }));
  await until(() => !!host.querySelector('[data-testid=memory-refusal]'), 'the refusal');
  expect(host.querySelector('[role=alert]')!.textContent).toMatch(/Cannot train this model here: the activation .* above this adapter's .* per-buffer limit/);

  const cfg = tinyConfigJson(presetOptions('smolvlm-500m'), 49280, {});
  const file = new File([JSON.stringify(cfg)], 'config.json', { type: 'application/json' });
  flushSync(() => useStore.setState({ device: { status: 'ready', caps: caps(2 ** 31) }, model: { ...useStore.getState().model, kind: 'files', files: [file] } }));
  await until(() => /bf16, kept packed/.test(host.textContent ?? ''), 'the 500M estimate');
  expect(host.textContent).toMatch(/frozen weights 0\.8 GB \(bf16, kept packed; 1\.6 GB as f32\)/);
});
