// Machine-independent cost counters of a GpuContext: what a step or a batch asks of the GPU
// API, independent of how fast the GPU is. On a real GPU small models are bound by exactly
// these (per-dispatch and per-submit overhead, buffer churn, host↔GPU traffic, JS time), so
// the benchmarks print them per training step / embedding batch and docs/PERFORMANCE.md
// records them before/after each reduction.
//
//   const a = ctx.counters.snapshot(); …step…; const per = ctx.counters.since(a);

export interface GpuCounts {
  /** dispatchWorkgroups calls encoded. */
  dispatches: number;
  /** queue.submit calls (each flush with pending work). */
  submits: number;
  /** device.createBuffer calls of any kind (pooled storage, read staging, arenas). */
  buffersCreated: number;
  /** Bytes sent host → GPU by tensor writes (queue.writeBuffer / upload arena), uniforms excluded. */
  bytesUploaded: number;
  /** Bytes of uniform params written (one arena write per submit). */
  uniformBytes: number;
  /** Bytes copied GPU → host by read()/readU32(). */
  bytesRead: number;
  /** Number of read()/readU32() calls (each one waits for the GPU). */
  reads: number;
  /** Wall-clock ms spent in the context's encode calls (dispatch, clear, copy, write, flush):
   * the JS side of every launch, bind groups and pipeline lookups included. */
  encodeMs: number;
}

export const ZERO_COUNTS: Readonly<GpuCounts> = Object.freeze({
  dispatches: 0, submits: 0, buffersCreated: 0, bytesUploaded: 0, uniformBytes: 0, bytesRead: 0, reads: 0, encodeMs: 0,
});

export class GpuCounters implements GpuCounts {
  dispatches = 0;
  submits = 0;
  buffersCreated = 0;
  bytesUploaded = 0;
  uniformBytes = 0;
  bytesRead = 0;
  reads = 0;
  encodeMs = 0;
  /** Dispatches per kernel name (the pipeline's name), cumulative: which kernels a step is
   * made of. Not part of GpuCounts (snapshot/since stay plain numbers); see kernelsSince. */
  readonly byKernel = new Map<string, number>();

  /** Called by the context for every encoded dispatch. */
  dispatched(name: string): void {
    this.dispatches++;
    this.byKernel.set(name, (this.byKernel.get(name) ?? 0) + 1);
  }

  /** A copy of the per-kernel tally (pair with kernelsSince). */
  kernelSnapshot(): Map<string, number> {
    return new Map(this.byKernel);
  }

  /** Dispatches per kernel since `start` (a kernelSnapshot), most first; zero rows dropped. */
  kernelsSince(start: Map<string, number>): [string, number][] {
    const out: [string, number][] = [];
    for (const [k, n] of this.byKernel) if (n - (start.get(k) ?? 0) > 0) out.push([k, n - (start.get(k) ?? 0)]);
    return out.sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }

  snapshot(): GpuCounts {
    const { dispatches, submits, buffersCreated, bytesUploaded, uniformBytes, bytesRead, reads, encodeMs } = this;
    return { dispatches, submits, buffersCreated, bytesUploaded, uniformBytes, bytesRead, reads, encodeMs };
  }

  /** Counts accumulated since `start` (a snapshot). */
  since(start: GpuCounts): GpuCounts {
    const now = this.snapshot();
    const out = { ...now };
    for (const k of Object.keys(now) as (keyof GpuCounts)[]) out[k] = now[k] - start[k];
    return out;
  }
}

/** One line for logs: "412 dispatches, 1 submit, 0 buffers created, 3.1 KiB up, 4 B read (1 read), encode 2.3 ms". */
export function formatCounts(c: GpuCounts): string {
  const kib = (b: number) => (b < 1024 ? `${b} B` : b < 1 << 20 ? `${(b / 1024).toFixed(1)} KiB` : `${(b / (1 << 20)).toFixed(2)} MiB`);
  const pl = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
  return `${pl(c.dispatches, 'dispatch').replace('dispatchs', 'dispatches')}, ${pl(c.submits, 'submit')}, ${c.buffersCreated} buffers created, ` +
    `${kib(c.bytesUploaded)} up (+${kib(c.uniformBytes)} uniforms), ${kib(c.bytesRead)} read (${pl(c.reads, 'read')}), encode ${c.encodeMs.toFixed(1)} ms`;
}
