// The engine side of the protocol: turns requests into engine calls. Hosted by a worker
// (workers/engine.worker.ts) or, in tests and the CLI, by any postMessage-like sink.

import { GpuContext } from '../gpu/context.ts';
import { describeCaps } from '../gpu/device.ts';
import type { EngineEvent, Reply, Request, WireError } from '../../protocol/messages.ts';

export type Post = (msg: Reply | { type: 'events'; events: EngineEvent[] }) => void;

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

export class EngineHandler {
  private ctx: Promise<GpuContext> | null = null;

  constructor(private readonly post: Post) {}

  private gpu(): Promise<GpuContext> {
    if (!this.ctx) {
      this.ctx = GpuContext.create().then((ctx) => {
        ctx.onFatal((e) => this.post({ type: 'events', events: [{ type: 'fatal', error: toWireError(e) }] }));
        return ctx;
      });
      this.ctx.catch(() => (this.ctx = null));
    }
    return this.ctx;
  }

  async handle(req: Request): Promise<void> {
    try {
      const result = await this.run(req);
      this.post({ id: req.id, type: 'result', result });
    } catch (e) {
      this.post({ id: req.id, type: 'error', error: toWireError(e) });
    }
  }

  private async run(req: Request): Promise<unknown> {
    switch (req.type) {
      case 'device-info': {
        const ctx = await this.gpu();
        return { caps: ctx.caps, summary: describeCaps(ctx.caps) };
      }
      case 'self-check': {
        const { runSelfCheck } = await import('./selfcheck.ts');
        return runSelfCheck(await this.gpu());
      }
    }
  }
}
