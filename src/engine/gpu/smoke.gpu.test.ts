import { expect, test } from 'vitest';
test('adapter', async () => {
  const adapter = await navigator.gpu.requestAdapter();
  expect(adapter).not.toBeNull();
  const info = adapter!.info;
  console.log(info.vendor, info.architecture, info.description, [...adapter!.features].join(','), adapter!.limits.maxStorageBufferBindingSize, adapter!.limits.maxComputeWorkgroupStorageSize, adapter!.limits.maxComputeInvocationsPerWorkgroup);
});
