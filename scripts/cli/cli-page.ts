// The CLI's page (scripts/cli/cli.html): runs the SAME engine handler as the app, in a
// dedicated Worker, and relays between it and the Node process (scripts/cli/session.ts).
//  * Node → page: page.evaluate(window.__discernCli.request(type, args)). Node cannot pass
//    Blobs, so any `{ __fetch: url, path }` inside args is replaced by `{ path, data: Blob }`
//    fetched from the CLI's file middleware before the request is posted.
//  * page → Node: ArrayBuffers in results become `{ __b64 }` (playwright serialises JSON);
//    errors come back as `{ ok: false, error: WireError }` so their class name survives.
//  * events: every batch is handed to window.__discernCliEvents (exposed by Node).
import { EngineClient, EngineError } from '../../src/app/engineClient.ts';
import type { EngineEvent, RequestType, WireError } from '../../src/protocol/messages.ts';

declare global {
  interface Window {
    __discernCli?: { request(type: RequestType, args: unknown): Promise<{ ok: true; result: unknown } | { ok: false; error: WireError }> };
    __discernCliEvents?: (events: EngineEvent[]) => void;
  }
}

async function hydrate(v: unknown): Promise<unknown> {
  if (Array.isArray(v)) return Promise.all(v.map(hydrate));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if (typeof o.__fetch === 'string') {
      const res = await fetch(o.__fetch);
      if (!res.ok) throw new EngineError('MissingFileError', `${o.path}: HTTP ${res.status} from the CLI file server`);
      return { path: o.path, data: await res.blob() };
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(o)) out[k] = await hydrate(x);
    return out;
  }
  return v;
}

function b64(buf: ArrayBuffer): string {
  const bytes = new Uint8Array(buf);
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

function dehydrate(v: unknown): unknown {
  if (v instanceof ArrayBuffer) return { __b64: b64(v) };
  if (Array.isArray(v)) return v.map(dehydrate);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, dehydrate(x)]));
  return v;
}

const client = EngineClient.spawn((events) => window.__discernCliEvents?.(events));

window.__discernCli = {
  async request(type, args) {
    try {
      const result = await client.request(type, (await hydrate(args)) as never);
      return { ok: true, result: dehydrate(result) };
    } catch (e) {
      const err = e as EngineError;
      return { ok: false, error: err.wire ?? { name: err.name || 'Error', message: err.message || String(e) } };
    }
  },
};
