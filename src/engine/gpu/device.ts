// Device acquisition: capabilities checked once and recorded, typed errors, no CPU fallback.

import type { GpuCaps } from '../../protocol/gpu.ts';
import { WebGpuUnavailableError } from './errors.ts';

export type { GpuCaps } from '../../protocol/gpu.ts';

export interface AcquireOptions {
  powerPreference?: GPUPowerPreference;
  /** Ask for shader-f16 when the adapter has it (default true). */
  wantF16?: boolean;
  /** Ask for timestamp-query when the adapter has it (default true). */
  wantTimestamps?: boolean;
}

export async function requestGpuDevice(
  opts: AcquireOptions = {},
): Promise<{ device: GPUDevice; caps: GpuCaps }> {
  const gpu = (globalThis.navigator as Navigator | undefined)?.gpu;
  if (!gpu) throw new WebGpuUnavailableError('navigator.gpu is missing in this browser/context');
  const adapter = await gpu.requestAdapter({ powerPreference: opts.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGpuUnavailableError('requestAdapter() returned no adapter');

  const has = (f: string) => adapter.features.has(f as GPUFeatureName);
  const required: GPUFeatureName[] = [];
  const shaderF16 = (opts.wantF16 ?? true) && has('shader-f16');
  const timestampQuery = (opts.wantTimestamps ?? true) && has('timestamp-query');
  const subgroups = has('subgroups');
  if (shaderF16) required.push('shader-f16');
  if (timestampQuery) required.push('timestamp-query');
  if (subgroups) required.push('subgroups' as GPUFeatureName);

  // Ask for the adapter's maxima of the limits we depend on; defaults are far too small
  // for a decoder's weights (128 MiB binding by default).
  const a = adapter.limits;
  const requiredLimits: Record<string, number> = {
    maxStorageBufferBindingSize: a.maxStorageBufferBindingSize,
    maxBufferSize: a.maxBufferSize,
    maxComputeWorkgroupStorageSize: a.maxComputeWorkgroupStorageSize,
    maxComputeInvocationsPerWorkgroup: a.maxComputeInvocationsPerWorkgroup,
    maxComputeWorkgroupSizeX: a.maxComputeWorkgroupSizeX,
    maxComputeWorkgroupSizeY: a.maxComputeWorkgroupSizeY,
    maxStorageBuffersPerShaderStage: a.maxStorageBuffersPerShaderStage,
  };
  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ requiredFeatures: required, requiredLimits, label: 'discern' });
  } catch (e) {
    throw new WebGpuUnavailableError(`requestDevice() failed: ${(e as Error).message}`);
  }
  const info = adapter.info;
  const l = device.limits;
  const caps: GpuCaps = {
    adapter: {
      vendor: info?.vendor ?? '',
      architecture: info?.architecture ?? '',
      description: info?.description ?? '',
      device: info?.device ?? '',
    },
    features: { shaderF16, subgroups, timestampQuery },
    limits: {
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      minUniformBufferOffsetAlignment: l.minUniformBufferOffsetAlignment,
    },
  };
  return { device, caps };
}

export function describeCaps(caps: GpuCaps): string {
  const a = caps.adapter;
  const f = Object.entries(caps.features)
    .filter(([, v]) => v)
    .map(([k]) => k)
    .join(', ');
  return `${a.vendor} ${a.architecture} ${a.description}`.trim() + ` [${f || 'no optional features'}]`;
}
