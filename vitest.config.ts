import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './scripts/chromium.ts';

// Two projects:
//  unit — CPU references, finite-difference checks, formats: plain Node.
//  gpu  — *.gpu.test.ts in real headless Chromium on SwiftShader WebGPU. These tests
//         acquire a device through src/engine/gpu/device.ts and FAIL when no adapter appears.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
          exclude: ['src/**/*.gpu.test.ts', 'src/**/*.browser.test.ts', 'node_modules/**'],
          environment: 'node',
          testTimeout: 60_000,
          // Two files at a time: the long ones (real-size, pretrain, CLI, evidence smoke runs)
          // mostly wait on a headless Chromium, so a second file fills the idle core (CI time).
          maxWorkers: 2,
        },
      },
      {
        // Pre-bundle what browser tests import lazily: otherwise a fresh clone (no .vite cache)
        // discovers them mid-run and Vite reloads the page under a running test.
        optimizeDeps: {
          include: [
            'react', 'react-dom', 'react-dom/client', 'react/jsx-dev-runtime', 'uplot', 'zustand',
            'idb-keyval', '@huggingface/tokenizers', '@huggingface/jinja',
          ],
        },
        test: {
          name: 'gpu',
          include: ['src/**/*.gpu.test.ts', 'src/**/*.browser.test.ts'],
          testTimeout: 240_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          browser: {
            enabled: true,
            headless: true,
            screenshotFailures: false,
            provider: playwright({
              launchOptions: { executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS },
            }),
            instances: [{ browser: 'chromium' }],
          },
        },
      },
    ],
  },
});
