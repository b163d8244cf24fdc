// GPU similarity + top-k: queries [Q, D] × gallery [N, D]ᵀ → per query the k best gallery
// rows (dot product; cosine if both sides are L2-normalised), same order as topK in topk.ts
// (score desc, ties → lower index). Plain WebGPU on a caller-supplied GPUDevice.
//
// Large galleries are processed in PASSES of at most `rowsPerPass` rows (bounded by
// maxStorageBufferBindingSize): each pass uploads its slice into one reused buffer and runs
// `score` (one workgroup per ROWS_PER_WG rows per query → K partial candidates). A final
// `merge` dispatch reduces all candidates of a query to k. Memory: Q·groups·k·8 bytes of
// candidates + rowsPerPass·D·4 bytes of gallery slice.
import code from './topk.wgsl?raw';
import type { TopK } from './topk.ts';

export const TOPK_MAX_K = 32; // MAX_K in topk.wgsl
// Threads per workgroup. Small on purpose: SwiftShader's pipeline compile time grows with
// the workgroup memory size (WG·k·8 bytes) — measured ≈5 s at WG=64, k=10 vs ≈0.3 s at
// WG=16 — while a bigger WG buys little on a CPU rasteriser. Must be a power of two.
const WG = 16;
const ROWS_PER_WG = 256;

// Pipelines per device and k (the override constant K sizes workgroup memory).
const cache = new WeakMap<GPUDevice, Map<number, Promise<[GPUComputePipeline, GPUComputePipeline]>>>();
function pipelines(device: GPUDevice, k: number): Promise<[GPUComputePipeline, GPUComputePipeline]> {
  let perDevice = cache.get(device);
  if (!perDevice) cache.set(device, (perDevice = new Map()));
  let p = perDevice.get(k);
  if (!p) {
    const module = device.createShaderModule({ label: 'topk.wgsl', code });
    const constants = { WG, K: k, ROWS_PER_WG };
    const make = (entryPoint: string) =>
      device.createComputePipelineAsync({ label: `topk.${entryPoint}.k${k}`, layout: 'auto', compute: { module, entryPoint, constants } });
    p = Promise.all([make('score'), make('merge')]);
    // A failed compile must not poison the cache.
    const map = perDevice;
    p.catch(() => map.delete(k));
    map.set(k, p);
  }
  return p;
}

export class TopKGpuError extends Error {
  override readonly name = 'TopKGpuError';
}

export interface TopKGpuOptions {
  /** Gallery rows uploaded per pass (rounded down to a multiple of 256). Default: fits 64 MiB and the binding limit. */
  rowsPerPass?: number;
  label?: string;
}

export async function topKSimilarityGpu(
  device: GPUDevice,
  queries: Float32Array,
  gallery: Float32Array,
  dims: { Q: number; N: number; D: number },
  k: number,
  opts: TopKGpuOptions = {},
): Promise<TopK> {
  const { Q, N, D } = dims;
  const label = opts.label ?? 'topk';
  if (queries.length !== Q * D) throw new TopKGpuError(`${label}: queries has ${queries.length} values, expected Q×D = ${Q}×${D}`);
  if (gallery.length !== N * D) throw new TopKGpuError(`${label}: gallery has ${gallery.length} values, expected N×D = ${N}×${D}`);
  if (!(Number.isInteger(k) && k >= 1 && k <= TOPK_MAX_K)) throw new TopKGpuError(`${label}: k must be an integer in 1..${TOPK_MAX_K}, got ${k}`);
  if (Q < 1 || N < 1 || D < 1) throw new TopKGpuError(`${label}: empty input (Q=${Q}, N=${N}, D=${D})`);
  if (Q > device.limits.maxComputeWorkgroupsPerDimension) throw new TopKGpuError(`${label}: Q=${Q} exceeds maxComputeWorkgroupsPerDimension; split the queries`);
  if (WG * k * 8 > device.limits.maxComputeWorkgroupStorageSize) throw new TopKGpuError(`${label}: k=${k} needs ${WG * k * 8} bytes of workgroup memory`);

  const byLimit = Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, 64 << 20) / (D * 4));
  let rowsPerPass = Math.min(opts.rowsPerPass ?? byLimit, byLimit, N);
  rowsPerPass = Math.max(ROWS_PER_WG, Math.floor(rowsPerPass / ROWS_PER_WG) * ROWS_PER_WG);
  const passes: Array<{ start: number; rows: number; groupBase: number; groups: number }> = [];
  let groupBase = 0;
  for (let start = 0; start < N; start += rowsPerPass) {
    const rows = Math.min(rowsPerPass, N - start);
    const groups = Math.ceil(rows / ROWS_PER_WG);
    passes.push({ start, rows, groupBase, groups });
    groupBase += groups;
  }
  const totalGroups = groupBase;

  let scorePipe: GPUComputePipeline;
  let mergePipe: GPUComputePipeline;
  try {
    [scorePipe, mergePipe] = await pipelines(device, k);
  } catch (e) {
    throw new TopKGpuError(`${label}: topk.wgsl pipeline creation failed for k=${k}: ${(e as Error).message}`);
  }
  // Validation errors (limits, bindings, submits) become a TopKGpuError naming them.
  device.pushErrorScope('validation');

  let scoped = true;
  const S = GPUBufferUsage.STORAGE;
  const buffers: GPUBuffer[] = [];
  const buf = (name: string, size: number, usage: number) => {
    const b = device.createBuffer({ label: `${label}.${name}`, size: Math.max(16, Math.ceil(size / 4) * 4), usage });
    buffers.push(b);
    return b;
  };
  try {
    const qBuf = buf('queries', Q * D * 4, S | GPUBufferUsage.COPY_DST);
    device.queue.writeBuffer(qBuf, 0, queries);
    const gBuf = buf('gallery', Math.min(rowsPerPass, N) * D * 4, S | GPUBufferUsage.COPY_DST);
    const partS = buf('partScores', Q * totalGroups * k * 4, S);
    const partI = buf('partIndices', Q * totalGroups * k * 4, S);
    const outS = buf('scores', Q * k * 4, S | GPUBufferUsage.COPY_SRC);
    const outI = buf('indices', Q * k * 4, S | GPUBufferUsage.COPY_SRC);
    const params = (i: number, v: number[]) => {
      const b = buf(`params${i}`, 32, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(b, 0, new Uint32Array([...v, 0, 0]));
      return b;
    };
    for (const [i, pass] of passes.entries()) {
      // Queue order: this upload lands after the previous pass's submit has consumed gBuf.
      device.queue.writeBuffer(gBuf, 0, gallery, pass.start * D, pass.rows * D);
      const bind = device.createBindGroup({
        label: `${label}.score.bind${i}`,
        layout: scorePipe.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: params(i, [D, pass.rows, pass.groupBase, totalGroups, pass.start, k]) } },
          { binding: 1, resource: { buffer: qBuf } },
          { binding: 2, resource: { buffer: gBuf } },
          { binding: 3, resource: { buffer: partS } },
          { binding: 4, resource: { buffer: partI } },
        ],
      });
      const enc = device.createCommandEncoder({ label: `${label}.score${i}` });
      const cp = enc.beginComputePass({ label: `${label}.score${i}` });
      cp.setPipeline(scorePipe);
      cp.setBindGroup(0, bind);
      cp.dispatchWorkgroups(pass.groups, Q);
      cp.end();
      device.queue.submit([enc.finish()]);
    }
    const mergeBind = device.createBindGroup({
      label: `${label}.merge.bind`,
      layout: mergePipe.getBindGroupLayout(0),
      entries: [
        { binding: 0, resource: { buffer: params(passes.length, [D, 0, 0, totalGroups, 0, k]) } },
        { binding: 5, resource: { buffer: partS } },
        { binding: 6, resource: { buffer: partI } },
        { binding: 7, resource: { buffer: outS } },
        { binding: 8, resource: { buffer: outI } },
      ],
    });
    const readS = buf('readScores', Q * k * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const readI = buf('readIndices', Q * k * 4, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST);
    const enc = device.createCommandEncoder({ label: `${label}.merge` });
    const cp = enc.beginComputePass({ label: `${label}.merge` });
    cp.setPipeline(mergePipe);
    cp.setBindGroup(0, mergeBind);
    cp.dispatchWorkgroups(Q);
    cp.end();
    enc.copyBufferToBuffer(outS, 0, readS, 0, Q * k * 4);
    enc.copyBufferToBuffer(outI, 0, readI, 0, Q * k * 4);
    device.queue.submit([enc.finish()]);
    const err = await device.popErrorScope();
    scoped = false;
    if (err) throw new TopKGpuError(`${label}: WebGPU validation error: ${err.message}`);
    await Promise.all([readS.mapAsync(GPUMapMode.READ), readI.mapAsync(GPUMapMode.READ)]);
    const scores = new Float32Array(readS.getMappedRange().slice(0, Q * k * 4));
    const indices = new Int32Array(readI.getMappedRange().slice(0, Q * k * 4)); // 0xffffffff → -1
    for (let i = 0; i < indices.length; i++) if (indices[i] === -1) scores[i] = -Infinity;
    return { indices, scores, k };
  } finally {
    if (scoped) await device.popErrorScope();
    for (const b of buffers) b.destroy();
  }
}
