// Buffer pool for storage tensors. Buffers are bucketed by a rounded byte size (eight
// buckets per octave, 256-byte minimum), so a released buffer is reused by the next request
// of a similar size. Trap: a pooled buffer may still be referenced by commands encoded but
// not yet submitted — that is fine for GPU-side use (commands run in order), and the
// context flushes before any queue.writeBuffer so CPU writes can never overtake them.

// Read at call time, not at import: in Node the GPU* globals appear only once Dawn is
// installed (scripts/node/dawn.ts), after this module may have been imported.
const usage = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

export function bucketBytes(bytes: number): number {
  const n = Math.max(256, Math.ceil(bytes));
  const octave = 2 ** Math.floor(Math.log2(n));
  const step = Math.max(256, octave / 8);
  return Math.ceil(n / step) * step;
}

export class BufferPool {
  private free = new Map<number, GPUBuffer[]>();
  /** Bytes held by live (acquired) buffers and by the free lists. */
  liveBytes = 0;
  freeBytes = 0;
  peakLiveBytes = 0;
  /** Buffers handed out and not yet released (the leak test compares it across steps). */
  liveBuffers = 0;
  /** device.createBuffer calls made by the pool since creation. */
  created = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly onCreate: () => void = () => {},
  ) {}

  /** A buffer of at least `bytes`; the bucket never rounds above `maxBuffer` (the device's
   * maxBufferSize: a tensor near it gets its exact, 4-byte-rounded size instead). */
  acquire(bytes: number, label: string, maxBuffer = Infinity): GPUBuffer {
    const bucket = bucketBytes(bytes);
    const size = bucket > maxBuffer ? Math.max(4, Math.ceil(bytes / 4) * 4) : bucket;
    const list = this.free.get(size);
    let buf = list?.pop();
    if (buf) {
      this.freeBytes -= size;
      buf.label = label;
    } else {
      buf = this.device.createBuffer({ size, usage: usage(), label });
      this.created++;
      this.onCreate();
    }
    this.liveBuffers++;
    this.liveBytes += size;
    this.peakLiveBytes = Math.max(this.peakLiveBytes, this.liveBytes);
    return buf;
  }

  release(buf: GPUBuffer): void {
    const size = buf.size;
    this.liveBuffers--;
    this.liveBytes -= size;
    this.freeBytes += size;
    let list = this.free.get(size);
    if (!list) this.free.set(size, (list = []));
    list.push(buf);
  }

  /** Destroy every pooled (free) buffer, returning their memory to the driver. */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.freeBytes = 0;
  }

  resetPeak(): void {
    this.peakLiveBytes = this.liveBytes;
  }
}
