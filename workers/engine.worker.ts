// Thin entry: hosts the engine handler in a dedicated Worker.
import { EngineHandler } from '../src/engine/host/handler.ts';
import type { Request } from '../src/protocol/messages.ts';

const handler = new EngineHandler((msg) => self.postMessage(msg));
self.onmessage = (ev: MessageEvent<Request>) => void handler.handle(ev.data);
