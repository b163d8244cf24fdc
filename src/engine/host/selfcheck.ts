// A user-visible kernel self-check: runs a few kernels on this device and compares them with
// their CPU references, so a user with an unusual GPU/driver sees at once whether results
// are trustworthy before spending time on a run.
import type { GpuContext } from '../gpu/context.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { matmulRef } from '../kernels/matmul/matmul.ref.ts';
import { randn } from '../util/random.ts';

export interface SelfCheck {
  name: string;
  maxAbsErr: number;
  ok: boolean;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

export async function runSelfCheck(ctx: GpuContext): Promise<{ checks: SelfCheck[] }> {
  const checks: SelfCheck[] = [];
  for (const [M, K, N, transB] of [[33, 65, 17, false], [64, 96, 130, true]] as const) {
    const a = randn(M * K, 1);
    const b = randn(K * N, 2);
    const bShape = transB ? [N, K] : [K, N];
    const want = { data: new Float32Array(M * N), shape: [M, N] };
    matmulRef(want, { data: a, shape: [M, K] }, { data: b, shape: bShape }, { transB });
    const ga = ctx.upload(a, [M, K], 'selfcheck.a');
    const gb = ctx.upload(b, bShape, 'selfcheck.b');
    const gc = ctx.empty([M, N], 'selfcheck.c');
    matmul(ctx, gc, ga, gb, { transB });
    const got = await ctx.read(gc);
    ctx.release(ga, gb, gc);
    const err = maxAbsDiff(got, want.data);
    checks.push({ name: `matmul ${M}x${K}x${N}${transB ? ' (Bᵀ)' : ''}`, maxAbsErr: err, ok: err < 1e-3 });
  }
  return { checks };
}
