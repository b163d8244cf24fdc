// Thin entry: hosts the engine handler in a dedicated Worker. Replies carry transfer lists
// (export-adapter files, embeddings) so big buffers move instead of being copied.
import { EngineHandler } from '../src/engine/host/handler.ts';
import type { Request } from '../src/protocol/messages.ts';

// debug requests (debug-lose-device) only on the dev server (e2e), never in a production build
const handler = new EngineHandler((msg, transfer) => self.postMessage(msg, { transfer: transfer ?? [] }), { debug: import.meta.env.DEV });
self.onmessage = (ev: MessageEvent<Request>) => void handler.handle(ev.data);
// Compile onnxruntime-web's wasm now, while the user picks a model: a load then skips it (≈ 1.5 s here).
void import('../src/engine/model/vision/ort_env.ts').then((m) => m.prewarmOrt()); // dynamic: onnxruntime stays out of the boot chunk
