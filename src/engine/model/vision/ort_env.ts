/**
 * onnxruntime-web environment for the browser (main thread or worker), set up once.
 *
 *   configureOrt() → typeof ort   (idempotent; call before creating a session)
 *   prewarmOrt() → Promise<void>  compiles the wasm runtime now (the engine worker calls it at start)
 *   ortWarm() → Promise<void>     resolves once a started prewarm has settled (never rejects)
 *
 * * The wasm binary is served by Vite from the package's own dist via a `?url` import, so it
 *   works offline in the dev server, in vitest browser mode and in a production build (Vite
 *   emits it as an asset). The default `onnxruntime-web` entry (ort.bundle.min.mjs) embeds
 *   the JS glue and loads `ort-wasm-simd-threaded.jsep.wasm` — the one build with both the
 *   wasm CPU EP and the WebGPU EP — so only that file is needed.
 * * Threads need SharedArrayBuffer, i.e. cross-origin isolation (COOP/COEP headers); without
 *   it numThreads must be 1 or session creation fails.
 * Trap: this module uses a Vite `?url` import; plain Node cannot import it (Node code uses
 * onnxruntime-web directly, whose node build finds its wasm by itself).
 */
import * as ort from 'onnxruntime-web';
import jsepWasmUrl from 'onnxruntime-web/ort-wasm-simd-threaded.jsep.wasm?url';
import { IDENTITY_ONNX } from './identity_onnx.ts';

let configured = false;

export function configureOrt(): typeof ort {
  if (configured) return ort;
  configured = true;
  ort.env.wasm.wasmPaths = { wasm: jsepWasmUrl };
  const isolated = (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  const cores = (globalThis.navigator as Navigator | undefined)?.hardwareConcurrency ?? 1;
  ort.env.wasm.numThreads = isolated ? Math.max(1, Math.min(4, cores)) : 1;
  ort.env.logLevel = 'error';
  return ort;
}

let warm: Promise<void> | null = null;

/**
 * Fetches and compiles onnxruntime-web's wasm runtime (≈ 28 MB, ≈ 1.5 s on 2 CPU cores) by
 * opening and closing a session of IDENTITY_ONNX, so a later model load does not pay for it. The
 * engine worker starts it as it boots, while the user is still choosing a model. Idempotent.
 * Failure is swallowed here: the real session creation reports its own error.
 */
export function prewarmOrt(): Promise<void> {
  warm ??= (async () => {
    const s = await configureOrt().InferenceSession.create(IDENTITY_ONNX, { executionProviders: ['wasm'] });
    await s.release();
  })().catch(() => {});
  return warm;
}

/** Waits for a started prewarm (onnxruntime refuses a second runtime init while one is in flight). */
export function ortWarm(): Promise<void> {
  return warm ?? Promise.resolve();
}
