// Page half of topk.ts: times retrieval top-k over a gallery [N, D] for Q queries, CPU
// (similarity + topK of eval/topk.ts, what the app and eval run today) vs GPU
// (topKSimilarityGpu of eval/topk_gpu.ts, gallery uploaded per call as its API does), both
// on this browser, median of `reps` after one warm-up; checks they return the same indices.
import { requestGpuDevice } from '../../../src/engine/gpu/device.ts';
import { similarity, topK } from '../../../src/engine/eval/topk.ts';
import { topKSimilarityGpu } from '../../../src/engine/eval/topk_gpu.ts';

function rand(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) { s = (s * 1664525 + 1013904223) >>> 0; a[i] = s / 2 ** 32 - 0.5; }
  return a;
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function run(cases: { Q: number; N: number; D: number; k: number }[], reps: number) {
  const { device } = await requestGpuDevice();
  const out = [];
  for (const { Q, N, D, k } of cases) {
    const q = rand(Q * D, 1), g = rand(N * D, 2);
    const cpu = () => topK(similarity(q, g, Q, N, D), Q, N, k);
    const gpu = () => topKSimilarityGpu(device, q, g, { Q, N, D }, k);
    const a = cpu(), b = await gpu(); // warm-up (pipeline compile)
    const same = a.indices.every((x, i) => x === b.indices[i]);
    const tc: number[] = [], tg: number[] = [];
    for (let r = 0; r < reps; r++) {
      let t = performance.now(); cpu(); tc.push(performance.now() - t);
      t = performance.now(); await gpu(); tg.push(performance.now() - t);
    }
    out.push({ Q, N, D, k, cpuMs: median(tc), gpuMs: median(tg), same });
  }
  return { adapter: `${device.adapterInfo?.vendor ?? ''} ${device.adapterInfo?.architecture ?? ''} ${device.adapterInfo?.description ?? ''}`.trim(), out };
}

(window as unknown as { __discernTopK: unknown }).__discernTopK = { run };
