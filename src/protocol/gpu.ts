// The GPU's capabilities as the engine recorded them when it acquired the device
// (engine/gpu/device.ts fills it; device-info carries it to the Model screen). Types only.

export interface GpuCaps {
  adapter: { vendor: string; architecture: string; description: string; device: string };
  features: { shaderF16: boolean; subgroups: boolean; timestampQuery: boolean };
  limits: {
    maxStorageBufferBindingSize: number;
    maxBufferSize: number;
    maxComputeWorkgroupStorageSize: number;
    maxComputeInvocationsPerWorkgroup: number;
    maxComputeWorkgroupsPerDimension: number;
    maxStorageBuffersPerShaderStage: number;
    minUniformBufferOffsetAlignment: number;
  };
}
