// `tsx scripts/bench/topk/topk.ts [--quick]`: prints ms for retrieval top-k (k = 10) over
// galleries of several sizes, CPU (eval/topk.ts) vs GPU (eval/topk_gpu.ts), measured in one
// headless Chromium (scripts/chromium.ts: SwiftShader WebGPU here, the real GPU elsewhere).
// Q = 1 is one Retrieve-screen query; Q = 256 a block of an eval's query set.
import { openHeadlessPage } from '../../headless-page.ts';

const quick = process.argv.includes('--quick');
const D = 64, k = 10;
const sizes = quick ? [1_000, 10_000] : [1_000, 10_000, 100_000];
const cases = [1, 256].flatMap((Q) => sizes.filter((N) => Q * N <= 2_560_000).map((N) => ({ Q, N, D, k })));

const hp = await openHeadlessPage({ entry: 'scripts/bench/topk/topk.html', ready: '__discernTopK', name: 'topk', echo: 'warnings' });
try {
  const r = await hp.page.evaluate(
    ([c, reps]) => (window as unknown as { __discernTopK: { run: (c: unknown, r: number) => Promise<unknown> } }).__discernTopK.run(c, reps),
    [cases, quick ? 3 : 5] as const,
  ) as { adapter: string; out: { Q: number; N: number; D: number; k: number; cpuMs: number; gpuMs: number; same: boolean }[] };
  console.log(`adapter: ${r.adapter}`);
  console.log('    Q        N    D   k     CPU ms     GPU ms   GPU/CPU  same');
  for (const x of r.out) {
    console.log(`${String(x.Q).padStart(5)} ${String(x.N).padStart(8)} ${String(x.D).padStart(4)} ${String(x.k).padStart(3)} ${x.cpuMs.toFixed(1).padStart(10)} ${x.gpuMs.toFixed(1).padStart(10)} ${(x.gpuMs / x.cpuMs).toFixed(2).padStart(9)}  ${x.same}`);
  }
  if (r.out.some((x) => !x.same)) { console.error('topk: CPU and GPU disagree'); process.exitCode = 3; }
} finally {
  await hp.close();
}
