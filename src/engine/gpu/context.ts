// GpuContext: the one object kernels launch through.
//  * tensors come from a BufferPool and go back with release();
//  * dispatch() encodes into one open command encoder/compute pass; flush() submits;
//  * uniform params of every dispatch live in a per-submission arena (256-byte slots),
//    written with one writeBuffer just before submit;
//  * CPU→GPU writes can never overtake encoded commands that still read a recycled buffer
//    (the classic pool-reuse trap): with nothing encoded they go straight to
//    queue.writeBuffer; otherwise small ones are staged in a per-submission upload arena and
//    copied in command order (copyBufferToBuffer), so a step needs no extra submit; large
//    ones flush first;
//  * read staging buffers are pooled (no createBuffer per read);
//  * `counters` counts dispatches, submits, buffer creations, bytes up/down and JS encode
//    time (counters.ts) — machine-independent costs the benchmarks print per step;
//  * device.lost and uncaptured errors are turned into typed errors, thrown by the next
//    sync()/read() and reported to onFatal listeners.

import { requestGpuDevice, type AcquireOptions, type GpuCaps } from './device.ts';
import { GpuDeviceLostError, GpuLimitError, GpuValidationError } from './errors.ts';
import { PipelineCache, type KernelSpec } from './pipelines.ts';
import { GpuCounters } from './counters.ts';
import { BufferPool, bucketBytes } from './pool.ts';
import { byteOffset, elementBytes, halvesToF32, isPackedDtype, numel, packParams, storageBytes, type Dtype, type GpuTensor, type PackedDtype, type Param } from './tensor.ts';

const ARENA_BYTES = 64 * 1024;
const SLOT = 256; // minUniformBufferOffsetAlignment upper bound in the spec
/** Upload arena size; a write above it with work pending flushes and writes directly. */
const UPLOAD_ARENA_BYTES = 1 << 20;

interface Arena { buffer: GPUBuffer; data: ArrayBuffer; used: number }

export interface Dispatch extends KernelSpec {
  bindings: readonly GpuTensor[];
  /** Packed into binding 0 when layout[0] === 'uniform'. */
  params?: readonly Param[];
  workgroups: readonly [number, number?, number?];
}

type TypedArray = Float32Array | Uint32Array | Int32Array;
/** Raw bits of a packed (bf16/f16) tensor: halves, or already-packed u32 words. */
type PackedBits = Uint16Array;

export class GpuContext {
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private arenas: Arena[] = [];
  private spareArenas: GPUBuffer[] = [];
  private uploads: Arena[] = [];
  private spareUploads: GPUBuffer[] = [];
  private readStaging = new Map<number, GPUBuffer[]>();
  /** Nesting depth of timed encode calls (write → flush must not count twice). */
  private timing = 0;
  private timingStart = 0;
  private fatal: Error | null = null;
  private fatalListeners: ((e: Error) => void)[] = [];
  readonly counters = new GpuCounters();

  /** Number of dispatches encoded since creation (for tests and profiling). */
  get dispatchCount(): number {
    return this.counters.dispatches;
  }

  static async create(opts?: AcquireOptions): Promise<GpuContext> {
    const { device, caps } = await requestGpuDevice(opts);
    return new GpuContext(device, caps);
  }

  constructor(
    readonly device: GPUDevice,
    readonly caps: GpuCaps,
  ) {
    this.pool = new BufferPool(device, () => this.counters.buffersCreated++);
    this.pipelines = new PipelineCache(device, (kernel, detail) =>
      this.setFatal(new GpuValidationError('shader compilation', `kernel "${kernel}" does not compile:\n${detail}`)),
    );
    device.lost.then((info) => {
      if (info.reason === 'destroyed' && this.destroyed) return;
      this.setFatal(new GpuDeviceLostError(info.reason, info.message));
    });
    // Errors raised between two sync points are captured by these scopes and thrown by
    // sync()/read(); anything escaping them still arrives as an uncaptured error.
    device.pushErrorScope('out-of-memory');
    device.pushErrorScope('validation');
    device.addEventListener('uncapturederror', (ev) => {
      const err = (ev as GPUUncapturedErrorEvent).error;
      const kind = err.constructor?.name?.replace(/^GPU|Error$/g, '') || 'unknown';
      this.setFatal(new GpuValidationError(kind.toLowerCase(), err.message));
    });
  }

  private destroyed = false;

  private setFatal(e: Error) {
    if (this.fatal) return;
    this.fatal = e;
    for (const l of this.fatalListeners) l(e);
  }

  onFatal(listener: (e: Error) => void): void {
    this.fatalListeners.push(listener);
    if (this.fatal) listener(this.fatal);
  }

  private scopeChain: Promise<void> = Promise.resolve();

  /** Pop-and-repush of the error scopes, serialised: concurrent reads (Promise.all) must not
   * interleave their pops, or the stack underflows ("No error scopes to pop"). */
  private drainErrorScopes(): Promise<void> {
    const run = this.scopeChain.then(() => this.drainErrorScopesNow());
    this.scopeChain = run.catch(() => {});
    return run;
  }

  private async drainErrorScopesNow(): Promise<void> {
    const checks = this.pipelines.pendingChecks.splice(0);
    await Promise.all(checks);
    if (this.fatal) return;
    const validation = await this.device.popErrorScope();
    const oom = await this.device.popErrorScope();
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    if (validation) this.setFatal(new GpuValidationError('validation', validation.message));
    else if (oom) this.setFatal(new GpuValidationError('out-of-memory', oom.message));
  }

  /** Throws the first device-lost / validation error seen, if any. */
  checkHealthy(): void {
    if (this.fatal) throw this.fatal;
  }

  // ---- tensors -------------------------------------------------------------------------

  /** Uninitialised tensor from the pool (contents are whatever the last user left). */
  empty(shape: readonly number[], label: string, dtype: Dtype = 'f32'): GpuTensor {
    const size = numel(shape);
    const bytes = storageBytes(size, dtype);
    if (bytes > this.bindingLimit) {
      throw new GpuLimitError(`tensor ${label}[${shape.join(',')}]`, bytes, this.bindingLimit);
    }
    return { buffer: this.pool.acquire(bytes, label, this.caps.limits.maxBufferSize), shape: [...shape], size, dtype, label };
  }

  /** Largest tensor (bytes) one binding may hold: the device's maxStorageBufferBindingSize,
   * or a smaller cap set by tests (setBindingLimit) so that splitting code runs on SwiftShader. */
  get bindingLimit(): number {
    return Math.min(this.caps.limits.maxStorageBufferBindingSize, this.bindingCap);
  }
  private bindingCap = Infinity;
  /** Test hook: pretend the device binds at most `bytes` per tensor (Infinity resets). */
  setBindingLimit(bytes: number): void {
    this.bindingCap = bytes;
  }

  /** A frozen weight kept in its stored precision: `bits` are the tensor's raw halves
   * (bf16 or IEEE f16, as a safetensors file stores them), packed two per u32 word. */
  uploadPacked(bits: PackedBits, shape: readonly number[], label: string, dtype: PackedDtype): GpuTensor {
    const t = this.empty(shape, label, dtype);
    this.write(t, bits);
    return t;
  }

  zeros(shape: readonly number[], label: string, dtype: Dtype = 'f32'): GpuTensor {
    const t = this.empty(shape, label, dtype);
    this.clear(t);
    return t;
  }

  upload(data: TypedArray | readonly number[], shape: readonly number[], label: string, dtype?: Dtype): GpuTensor {
    const dt: Dtype = dtype ?? (data instanceof Uint32Array ? 'u32' : data instanceof Int32Array ? 'i32' : 'f32');
    const t = this.empty(shape, label, dt);
    this.write(t, data);
    return t;
  }

  write(t: GpuTensor, data: TypedArray | PackedBits | readonly number[]): void {
    if (data.length !== t.size) throw new Error(`write ${t.label}: ${data.length} values for ${t.size} elements`);
    if (t.parts) throw new Error(`write ${t.label}: a split tensor is written part by part (gpu/split.ts)`);
    if (isPackedDtype(t.dtype) !== data instanceof Uint16Array) {
      throw new Error(`write ${t.label}: ${t.dtype} tensors take ${isPackedDtype(t.dtype) ? 'Uint16Array bits' : 'numbers, not Uint16Array'}`);
    }
    const arr =
      data instanceof Uint16Array
        ? packHalves(data)
        : data instanceof Float32Array || data instanceof Uint32Array || data instanceof Int32Array
        ? data
        : t.dtype === 'f32'
          ? Float32Array.from(data)
          : t.dtype === 'u32'
            ? Uint32Array.from(data)
            : Int32Array.from(data);
    this.begin();
    this.counters.bytesUploaded += arr.byteLength;
    const dstOffset = byteOffset(t);
    if (this.encoder && arr.byteLength <= UPLOAD_ARENA_BYTES) {
      // see header: staged, copied in command order
      const arena = this.uploadArena(arr.byteLength);
      new Uint8Array(arena.data, arena.used, arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
      this.endPass();
      if (arr.byteLength > 0) this.getEncoder().copyBufferToBuffer(arena.buffer, arena.used, t.buffer, dstOffset, arr.byteLength);
      arena.used += arr.byteLength; // copy offsets need 4-byte alignment only
    } else {
      this.flush(); // nothing encoded may still read t's previous contents
      this.device.queue.writeBuffer(t.buffer, dstOffset, arr.buffer, arr.byteOffset, arr.byteLength);
    }
    this.end();
  }

  private uploadArena(bytes: number): Arena {
    let arena = this.uploads[this.uploads.length - 1];
    if (!arena || arena.used + bytes > UPLOAD_ARENA_BYTES) {
      const buffer = this.spareUploads.pop() ?? this.createBuffer({
        size: UPLOAD_ARENA_BYTES,
        usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
        label: 'upload-arena',
      });
      arena = { buffer, data: new ArrayBuffer(UPLOAD_ARENA_BYTES), used: 0 };
      this.uploads.push(arena);
    }
    return arena;
  }

  private createBuffer(desc: GPUBufferDescriptor): GPUBuffer {
    this.counters.buffersCreated++;
    return this.device.createBuffer(desc);
  }

  /** Encode-time accounting (see counters.ts); nested calls count once. */
  private begin(): void {
    if (this.timing++ === 0) this.timingStart = performance.now();
  }

  private end(): void {
    if (--this.timing === 0) this.counters.encodeMs += performance.now() - this.timingStart;
  }

  release(...ts: (GpuTensor | null | undefined)[]): void {
    for (const t of ts) {
      if (!t || t.isView) continue;
      if (t.parts) this.release(...t.parts);
      else this.pool.release(t.buffer);
    }
  }

  /** A reshaped window of `t` starting at element `offset` (e.g. a vocab chunk of lm_head).
   * Throws when the offset breaks the 256-byte binding alignment. */
  view(t: GpuTensor, offset: number, shape: readonly number[], label = `${t.label}@${offset}`): GpuTensor {
    const size = numel(shape);
    if (t.parts) throw new Error(`view ${label}: ${t.label} is split in row chunks; view a part (gpu/split.ts)`);
    const start = (t.offset ?? 0) + offset;
    if (((start * elementBytes(t.dtype)) % 256) !== 0) throw new Error(`view ${label}: element offset ${start} is not 256-byte aligned`);
    if (offset < 0 || offset + size > t.size) throw new Error(`view ${label}: [${offset}, ${offset + size}) outside ${t.label} (${t.size})`);
    return { buffer: t.buffer, shape: [...shape], size, dtype: t.dtype, label, offset: start, isView: true };
  }

  clear(t: GpuTensor): void {
    this.begin();
    this.endPass();
    this.getEncoder().clearBuffer(t.buffer, byteOffset(t), storageBytes(t.size, t.dtype));
    this.end();
  }

  copy(src: GpuTensor, dst: GpuTensor): void {
    if (src.size !== dst.size || src.dtype !== dst.dtype) throw new Error(`copy ${src.label}→${dst.label}: sizes ${src.size} vs ${dst.size}, ${src.dtype} vs ${dst.dtype}`);
    this.begin();
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src.buffer, byteOffset(src), dst.buffer, byteOffset(dst), storageBytes(src.size, src.dtype));
    this.end();
  }

  /** Copy `count` elements from src[srcStart…] to dst[dstStart…] (no alignment needed beyond
   * 4 bytes; used to splice rows such as soft prompts or KV-cache entries). */
  copyRange(src: GpuTensor, srcStart: number, dst: GpuTensor, dstStart: number, count: number): void {
    if (srcStart < 0 || srcStart + count > src.size || dstStart < 0 || dstStart + count > dst.size) {
      throw new Error(`copyRange ${src.label}[${srcStart}+${count}] → ${dst.label}[${dstStart}+${count}] out of bounds (${src.size}, ${dst.size})`);
    }
    if (count === 0) return;
    if (isPackedDtype(src.dtype) || isPackedDtype(dst.dtype)) throw new Error(`copyRange ${src.label} → ${dst.label}: packed tensors are not spliced`);
    this.begin();
    this.endPass();
    this.getEncoder().copyBufferToBuffer(src.buffer, ((src.offset ?? 0) + srcStart) * 4, dst.buffer, ((dst.offset ?? 0) + dstStart) * 4, count * 4);
    this.end();
  }

  /** Elements as f32 (a packed bf16/f16 tensor is widened on the CPU, exactly). */
  async read(t: GpuTensor): Promise<Float32Array> {
    if (t.parts) {
      const out = new Float32Array(t.size);
      let at = 0;
      for (const p of t.parts) {
        out.set(await this.read(p), at);
        at += p.size;
      }
      return out;
    }
    if (isPackedDtype(t.dtype)) return halvesToF32(await this.readPacked(t), t.dtype);
    return new Float32Array(await this.readBytes(t));
  }

  async readU32(t: GpuTensor): Promise<Uint32Array> {
    return new Uint32Array(await this.readBytes(t));
  }

  /** The raw halves of a packed (bf16/f16) tensor. */
  async readPacked(t: GpuTensor): Promise<Uint16Array> {
    if (!isPackedDtype(t.dtype)) throw new Error(`readPacked ${t.label}: dtype ${t.dtype} is not packed`);
    return new Uint16Array(await this.readBytes(t), 0, t.size);
  }

  private async readBytes(t: GpuTensor): Promise<ArrayBuffer> {
    this.checkHealthy();
    const bytes = storageBytes(t.size, t.dtype);
    const size = bucketBytes(Math.max(4, bytes));
    const staging = this.readStaging.get(size)?.pop() ?? this.createBuffer({
      size,
      usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      label: `read-staging(${size})`,
    });
    this.begin();
    this.endPass();
    if (bytes > 0) this.getEncoder().copyBufferToBuffer(t.buffer, byteOffset(t), staging, 0, bytes);
    this.flush();
    this.end();
    this.counters.reads++;
    this.counters.bytesRead += bytes;
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, Math.max(4, bytes));
    } catch (e) {
      staging.destroy();
      // A lost device aborts pending maps (AbortError) before device.lost resolves: wait for
      // it briefly (we never unmap/destroy a staging buffer mid-map, so this is the loss) so
      // callers see GpuDeviceLostError rather than a bare AbortError.
      if ((e as Error)?.name === 'AbortError' || (e as Error)?.name === 'OperationError') {
        await Promise.race([this.device.lost, new Promise((r) => setTimeout(r, 1000))]);
        await Promise.resolve(); // let the device.lost handler (registered first) run
      }
      this.checkHealthy();
      throw e;
    }
    const out = staging.getMappedRange(0, bytes).slice(0);
    staging.unmap();
    let spare = this.readStaging.get(size);
    if (!spare) this.readStaging.set(size, (spare = []));
    spare.push(staging);
    await this.drainErrorScopes();
    this.checkHealthy();
    return out;
  }

  // ---- dispatch ------------------------------------------------------------------------

  dispatch(d: Dispatch): void {
    this.checkHealthy();
    this.begin();
    try {
      this.encodeDispatch(d);
    } finally {
      this.end();
    }
  }

  private encodeDispatch(d: Dispatch): void {
    const { pipeline, bindGroupLayout } = this.pipelines.get(d);
    const entries: GPUBindGroupEntry[] = [];
    let b = 0;
    if (d.layout[0] === 'uniform') {
      if (!d.params) throw new Error(`${d.name}: layout starts with 'uniform' but no params given`);
      entries.push({ binding: 0, resource: this.uniformSlot(d.params) });
      b = 1;
    }
    if (d.bindings.length !== d.layout.length - b) {
      throw new Error(`${d.name}: ${d.bindings.length} tensors bound, layout wants ${d.layout.length - b}`);
    }
    d.bindings.forEach((t, i) => {
      if (t.parts) throw new Error(`${d.name}: ${t.label} is split in ${t.parts.length} row chunks (gpu/split.ts); this kernel binds whole tensors`);
      entries.push({ binding: b + i, resource: { buffer: t.buffer, offset: byteOffset(t), size: Math.max(4, storageBytes(t.size, t.dtype)) } });
    });
    const bindGroup = this.device.createBindGroup({ layout: bindGroupLayout, entries, label: d.name });
    const [x, y = 1, z = 1] = d.workgroups;
    if (x === 0 || y === 0 || z === 0) return;
    const max = this.caps.limits.maxComputeWorkgroupsPerDimension;
    if (x > max || y > max || z > max) throw new Error(`${d.name}: workgroup grid ${x}x${y}x${z} exceeds ${max} per dimension`);
    const pass = this.getPass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.counters.dispatched(d.name);
  }

  /** Splits a 1-D count of workgroups into a 2-D grid within the per-dimension limit.
   * Kernels recover the flat index as wid.x + wid.y * num_workgroups.x. */
  grid(workgroups: number): [number, number] {
    const max = this.caps.limits.maxComputeWorkgroupsPerDimension;
    if (workgroups <= max) return [Math.max(0, workgroups), 1];
    const y = Math.ceil(workgroups / max);
    return [Math.ceil(workgroups / y), y];
  }

  private uniformSlot(params: readonly Param[]): GPUBufferBinding {
    const bytes = Math.max(16, Math.ceil((params.length * 4) / 16) * 16);
    if (bytes > SLOT) throw new Error(`uniform params of ${bytes} bytes exceed a ${SLOT}-byte slot`);
    let arena = this.arenas[this.arenas.length - 1];
    if (!arena || arena.used + SLOT > ARENA_BYTES) {
      const buffer =
        this.spareArenas.pop() ??
        this.createBuffer({
          size: ARENA_BYTES,
          usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
          label: 'uniform-arena',
        });
      arena = { buffer, data: new ArrayBuffer(ARENA_BYTES), used: 0 };
      this.arenas.push(arena);
    }
    const offset = arena.used;
    packParams(params, new DataView(arena.data), offset);
    arena.used += SLOT;
    return { buffer: arena.buffer, offset, size: bytes };
  }

  private getEncoder(): GPUCommandEncoder {
    if (!this.encoder) this.encoder = this.device.createCommandEncoder({ label: 'discern' });
    return this.encoder;
  }

  private getPass(): GPUComputePassEncoder {
    if (!this.pass) this.pass = this.getEncoder().beginComputePass({ label: 'discern' });
    return this.pass;
  }

  private endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
  }

  /** Submit everything encoded so far. Cheap when nothing is pending. */
  flush(): void {
    this.endPass();
    if (!this.encoder) return;
    this.begin();
    const arenas = this.arenas, uploads = this.uploads;
    this.arenas = [];
    this.uploads = [];
    for (const a of arenas) this.device.queue.writeBuffer(a.buffer, 0, a.data, 0, a.used);
    for (const a of uploads) this.device.queue.writeBuffer(a.buffer, 0, a.data, 0, a.used);
    for (const a of arenas) this.counters.uniformBytes += a.used;
    this.device.queue.submit([this.encoder.finish()]);
    this.counters.submits++;
    this.encoder = null;
    if (arenas.length || uploads.length) {
      this.device.queue.onSubmittedWorkDone().then(() => {
        for (const a of arenas) this.spareArenas.push(a.buffer);
        for (const a of uploads) this.spareUploads.push(a.buffer);
      });
    }
    this.end();
  }

  /** Flush and wait for the GPU; throws a typed error if the device failed meanwhile. */
  async sync(): Promise<void> {
    this.flush();
    await this.device.queue.onSubmittedWorkDone();
    await this.drainErrorScopes();
    this.checkHealthy();
  }

  /** Test hook: destroys the device WITHOUT marking the context destroyed, so device.lost
   * resolves as an unexpected loss → GpuDeviceLostError to every onFatal listener, exactly
   * the path a driver reset or GPU-process crash takes. */
  simulateDeviceLoss(): void {
    this.device.destroy();
  }

  /** The device is gone (lost or destroyed): nothing on it can be used again. */
  get lost(): boolean {
    return this.fatal instanceof GpuDeviceLostError || this.destroyed;
  }

  destroy(): void {
    this.destroyed = true;
    this.flush();
    this.pool.trim();
    for (const list of this.readStaging.values()) for (const b of list) b.destroy();
    this.readStaging.clear();
    this.device.destroy();
  }
}

/** Halves → u32 words (element 2w in the low half of word w; an odd tail's high half is 0). */
function packHalves(bits: Uint16Array): Uint32Array {
  const words = new Uint32Array(Math.ceil(bits.length / 2));
  new Uint16Array(words.buffer, 0, bits.length).set(bits);
  return words;
}
