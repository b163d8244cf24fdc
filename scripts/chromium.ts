// Launch settings for headless Chromium with WebGPU on SwiftShader (DESIGN.md §6).
// Shared by Vitest browser mode, Playwright e2e and the benchmark runner, so every
// GPU run on this machine sees the same adapter.
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--enable-unsafe-webgpu',
  '--use-webgpu-adapter=swiftshader',
  '--enable-features=Vulkan',
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--disable-dev-shm-usage',
  // SwiftShader's compile time grows with declared workgroup memory because Dawn zero-fills it;
  // skipping that zero-fill makes tests stricter (a kernel reading before writing sees garbage).
  '--enable-dawn-features=disable_workgroup_init',
];
