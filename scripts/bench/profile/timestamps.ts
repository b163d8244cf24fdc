// GPU timestamps per dispatch for the profile suite, on the public GpuContext API only:
//
//   const ctx = await TimestampContext.create();   // a GpuContext whose device has 'timestamp-query'
//   ctx.tag = 'linear';                            // attribution of the next dispatches (optional)
//   …run kernels…;  const recs = await ctx.collect();   // [{ kernel, tag, ns }] in dispatch order
//
// Each dispatch becomes its own submission bracketed by two empty compute passes whose
// timestampWrites record when the queue reached them:  [ts a] → dispatch → [ts b], ns = b − a.
// WebGPU has no timestamps inside a pass, and a pass cannot be opened from outside
// GpuContext, so the dispatch runs in the context's own pass, flushed on its own.
// Traps: (1) everything runs serialised, one submit per dispatch, so this measures each
// kernel alone, not overlap — use it for attribution; the un-instrumented step time is the
// figure to quote; (2) Chromium may quantise timestamps (100 µs without developer features),
// irrelevant next to SwiftShader's ms-scale kernels; (3) 2 queries per dispatch, query sets of
// 4096 allocated as needed.
import { GpuContext, type Dispatch } from '../../../src/engine/gpu/context.ts';
import { requestGpuDevice } from '../../../src/engine/gpu/device.ts';

const SET = 4096;

export interface DispatchTime {
  kernel: string;
  tag: string;
  ns: number;
}

export class TimestampContext extends GpuContext {
  /** Attribution label for the following dispatches (e.g. the op that launches them). */
  tag = '';
  private sets: GPUQuerySet[] = [];
  private used = 0;
  private pending: { kernel: string; tag: string; index: number }[] = [];

  static override async create(): Promise<TimestampContext> {
    const { device, caps } = await requestGpuDevice({ wantTimestamps: true });
    if (!caps.features.timestampQuery) {
      device.destroy();
      throw new Error("profile: the adapter lacks 'timestamp-query' (see the adapter's feature list in the report)");
    }
    return new TimestampContext(device, caps);
  }

  private mark(): number {
    if (this.used % SET === 0) this.sets.push(this.device.createQuerySet({ type: 'timestamp', count: SET, label: `profile-${this.sets.length}` }));
    const i = this.used++;
    const e = this.device.createCommandEncoder({ label: 'profile-mark' });
    e.beginComputePass({ timestampWrites: { querySet: this.sets[this.sets.length - 1], beginningOfPassWriteIndex: i % SET } }).end();
    this.device.queue.submit([e.finish()]);
    return i;
  }

  override dispatch(d: Dispatch): void {
    this.flush();
    const index = this.mark();
    super.dispatch(d);
    this.flush();
    this.mark();
    this.pending.push({ kernel: d.name, tag: this.tag, index });
  }

  /** Waits for the GPU, reads every timestamp taken since the last collect() and resets. */
  async collect(): Promise<DispatchTime[]> {
    await this.sync();
    const out: DispatchTime[] = [];
    if (this.used === 0) return out;
    const buf = this.device.createBuffer({ size: this.sets.length * SET * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = this.device.createBuffer({ size: buf.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const e = this.device.createCommandEncoder({ label: 'profile-resolve' });
    this.sets.forEach((s, k) => e.resolveQuerySet(s, 0, k === this.sets.length - 1 ? this.used - k * SET : SET, buf, k * SET * 8));
    e.copyBufferToBuffer(buf, 0, read, 0, buf.size);
    this.device.queue.submit([e.finish()]);
    await read.mapAsync(GPUMapMode.READ);
    const ts = new BigInt64Array(read.getMappedRange().slice(0));
    read.unmap();
    for (const p of this.pending) out.push({ kernel: p.kernel, tag: p.tag, ns: Number(ts[p.index + 1] - ts[p.index]) });
    buf.destroy(); read.destroy();
    for (const s of this.sets) s.destroy();
    this.sets = []; this.used = 0; this.pending = [];
    return out;
  }
}
