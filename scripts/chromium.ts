// Launch settings for headless Chromium with WebGPU on SwiftShader (DESIGN.md §6).
// Shared by Vitest browser mode, Playwright e2e, the benchmark runner and the CLI, so every
// GPU run on this machine sees the same adapter.
import { createServer as createNetServer } from 'node:net';
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

/** A free TCP port on 127.0.0.1 for a Vite server (benchmarks, CLI). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createNetServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => (port ? res(port) : rej(new Error('could not obtain a free port'))));
    });
  });
}
