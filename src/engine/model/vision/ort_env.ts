/**
 * onnxruntime-web environment for the browser (main thread or worker), set up once.
 *
 *   configureOrt() → typeof ort   (idempotent; call before creating a session)
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
