// The UI side of the protocol: request/response over a dedicated Worker. Events go to one
// listener — the store — which is their only consumer.
import type { Api, EngineEvent, RequestType, ResultOf, WireError, WorkerMessage } from '../protocol/messages.ts';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };

export class EngineError extends Error {
  constructor(name: string, message: string, readonly wire?: WireError) {
    super(message);
    this.name = name;
  }
}

export class EngineClient {
  private nextId = 1;
  private pending = new Map<number, Pending>();

  constructor(
    private readonly worker: Worker,
    private readonly onEvents: (events: EngineEvent[]) => void,
  ) {
    worker.onmessage = (ev: MessageEvent<WorkerMessage>) => this.receive(ev.data);
    worker.onerror = (ev) => {
      const err = new EngineError('WorkerError', `engine worker failed: ${ev.message}`);
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    };
  }

  static spawn(onEvents: (events: EngineEvent[]) => void): EngineClient {
    const worker = new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module' });
    return new EngineClient(worker, onEvents);
  }

  request<K extends RequestType>(type: K, args: Api[K]['args'], transfer: Transferable[] = []): Promise<ResultOf<K>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.worker.postMessage({ id, type, args }, transfer);
    });
  }

  private receive(msg: WorkerMessage) {
    if (msg.type === 'events') return this.onEvents(msg.events);
    const p = this.pending.get(msg.id);
    if (!p) return;
    this.pending.delete(msg.id);
    if (msg.type === 'result') p.resolve(msg.result);
    else p.reject(new EngineError(msg.error.name, msg.error.message, msg.error));
  }

  terminate(): void {
    this.worker.terminate();
    const err = new EngineError('WorkerTerminated', 'engine worker was terminated');
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}
