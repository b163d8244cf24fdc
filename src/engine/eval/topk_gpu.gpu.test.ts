// GPU similarity + top-k against the CPU reference (topk.ts) on SwiftShader WebGPU.
// Integer-valued embeddings make every dot product exact in f32, so the comparison is
// exact, and the many equal scores exercise the tie rule (lower index first).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { Rng } from '../data/synthetic/prng.ts';
import { similarity, topK } from './topk.ts';
import { TopKGpuError, topKSimilarityGpu } from './topk_gpu.ts';

let device: GPUDevice;
beforeAll(async () => {
  const adapter = await navigator.gpu?.requestAdapter();
  if (!adapter) throw new Error('no WebGPU adapter: GPU tests must run with a WebGPU adapter (SwiftShader in CI)');
  device = await adapter.requestDevice({
    requiredLimits: { maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize },
  });
  device.addEventListener('uncapturederror', (e) => {
    throw new Error(`WebGPU validation error: ${(e as GPUUncapturedErrorEvent).error.message}`);
  });
});
afterAll(() => device?.destroy());

const ints = (rng: Rng, n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + rng.int(hi - lo + 1));

test('N=10007, D=65, k=10, Q=5 in 3 gallery passes: exact match with the CPU reference, ties included', async () => {
  const [Q, N, D, k] = [5, 10007, 65, 10];
  const rng = new Rng(11);
  const q = ints(rng, Q * D, -3, 3);
  const g = ints(rng, N * D, -1, 1); // small range ⇒ many equal dot products
  device.pushErrorScope('validation');
  const gpu = await topKSimilarityGpu(device, q, g, { Q, N, D }, k, { rowsPerPass: 4096 });
  expect(await device.popErrorScope()).toBeNull();
  const cpu = topK(similarity(q, g, Q, N, D), Q, N, k);
  expect(gpu.indices).toEqual(cpu.indices);
  expect(gpu.scores).toEqual(cpu.scores);
  // The data really has ties inside the top-k (otherwise the tie rule is untested).
  let ties = 0;
  for (let i = 1; i < Q * k; i++) if (i % k && cpu.scores[i] === cpu.scores[i - 1]) ties++;
  expect(ties).toBeGreaterThan(5);
});

test('k = 1 and k = 32, single pass, N not a multiple of the workgroup span', async () => {
  const [Q, N, D] = [3, 777, 9];
  const rng = new Rng(12);
  const q = ints(rng, Q * D, -5, 5);
  const g = ints(rng, N * D, -5, 5);
  const sim = similarity(q, g, Q, N, D);
  for (const k of [1, 32]) {
    const gpu = await topKSimilarityGpu(device, q, g, { Q, N, D }, k);
    const cpu = topK(sim, Q, N, k);
    expect(gpu.indices).toEqual(cpu.indices);
    expect(gpu.scores).toEqual(cpu.scores);
  }
});

test('fewer gallery rows than k: padded with index -1 and -Infinity', async () => {
  const r = await topKSimilarityGpu(device, new Float32Array([1, 0]), new Float32Array([0, 1, 2, 0, 1, 0]), { Q: 1, N: 3, D: 2 }, 5);
  expect([...r.indices]).toEqual([1, 2, 0, -1, -1]);
  expect([...r.scores]).toEqual([2, 1, 0, -Infinity, -Infinity]);
});

test('random unit vectors: scores within f32 rounding of the CPU reference; timing for N=30000', async () => {
  const [Q, N, D, k] = [16, 30000, 64, 10];
  const rng = new Rng(13);
  const unit = (n: number) => {
    const a = Float32Array.from({ length: n * D }, () => rng.float() * 2 - 1);
    for (let r = 0; r < n; r++) {
      let s = 0;
      for (let d = 0; d < D; d++) s += a[r * D + d] ** 2;
      for (let d = 0; d < D; d++) a[r * D + d] /= Math.sqrt(s);
    }
    return a;
  };
  const q = unit(Q);
  const g = unit(N);
  const t0 = performance.now();
  const gpu = await topKSimilarityGpu(device, q, g, { Q, N, D }, k);
  const ms = performance.now() - t0;
  console.log(`topKSimilarityGpu Q=${Q} N=${N} D=${D} k=${k}: ${ms.toFixed(0)} ms (SwiftShader)`);
  const cpu = topK(similarity(q, g, Q, N, D), Q, N, k);
  for (let i = 0; i < Q * k; i++) {
    expect(Math.abs(gpu.scores[i] - cpu.scores[i])).toBeLessThan(1e-5);
    // Same index unless two candidates are within rounding of each other.
    if (gpu.indices[i] !== cpu.indices[i]) expect(Math.abs(cpu.scores[i] - (cpu.scores[i + 1] ?? cpu.scores[i - 1]))).toBeLessThan(1e-5);
  }
});

test('bad arguments are typed errors naming the problem', async () => {
  await expect(topKSimilarityGpu(device, new Float32Array(3), new Float32Array(4), { Q: 1, N: 2, D: 2 }, 1)).rejects.toThrow(TopKGpuError);
  await expect(topKSimilarityGpu(device, new Float32Array(2), new Float32Array(4), { Q: 1, N: 2, D: 2 }, 33)).rejects.toThrow(/k must be an integer in 1\.\.32, got 33/);
});
