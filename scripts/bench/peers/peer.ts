// The interface every implementation under test provides. Each peer owns its own GPUDevice
// on the page's one WebGPU adapter; the suite never mixes buffers between peers.

import type { CaseSpec, ImplName, PeerName } from '../types.ts';

/** Host inputs of one case, HF/PEFT layouts: x [n,inF], w [outF,inF], a [rank,inF],
 * b [outF,rank] (a, b empty for plain matmul). */
export interface LinearData {
  spec: CaseSpec;
  x: Float32Array;
  w: Float32Array;
  a: Float32Array;
  b: Float32Array;
}

/** One case uploaded to a peer's device. The timed unit is `run(); await sync();`. */
export interface PreparedOp {
  /** Enqueue one evaluation of the op (output overwritten / previous output freed). */
  run(): void;
  /** Full GPU sync: resolves when everything enqueued so far has executed. */
  sync(): Promise<void>;
  /** Read the latest output y [n,outF] back (not timed). */
  read(): Promise<Float32Array>;
  /** Free every device buffer of this case. */
  dispose(): void;
}

export interface Peer {
  readonly name: ImplName;
  /** Adapter description as this peer's device reports it. */
  readonly adapter: string;
  prepare(data: LinearData): Promise<PreparedOp>;
  destroy(): void;
}

/** A peer failed to initialise or to run a case; the runner exits non-zero with this text. */
export class PeerError extends Error {
  override readonly name = 'PeerError';
  constructor(
    readonly peer: PeerName,
    detail: string,
  ) {
    super(`${peer}: ${detail}`);
  }
}

/** "vendor architecture description" from a GPUAdapterInfo, tolerant of empty fields. */
export function describeAdapterInfo(info: GPUAdapterInfo | undefined | null): string {
  if (!info) return 'unknown adapter (no adapterInfo)';
  const s = [info.vendor, info.architecture, info.description].filter((x) => x).join(' ');
  return s || 'unknown adapter (empty adapterInfo)';
}
