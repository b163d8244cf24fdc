// Our kernels through the launcher contract of src/engine/kernels/README.md:
//  matmul: matmul(ctx, y, x, W, { transB: true })               y = x·Wᵀ
//  lora:   loraLinearForward(ctx, y, u, x, W, A, B, { scale })   y = x·Wᵀ + s·(x·Aᵀ)·Bᵀ,
//          u = x·Aᵀ [N,r] is the saved output backward needs (written every run, as in training).
// Sync: ctx.sync() = flush + queue.onSubmittedWorkDone() + error-scope drain.

import { GpuContext } from '../../../src/engine/gpu/context.ts';
import { loraLinearForward } from '../../../src/engine/kernels/lora/lora.ts';
import { matmul } from '../../../src/engine/kernels/matmul/matmul.ts';
import { PeerError, type LinearData, type Peer, type PreparedOp } from './peer.ts';

export async function createOursPeer(): Promise<Peer> {
  let ctx: GpuContext;
  try {
    ctx = await GpuContext.create();
  } catch (e) {
    throw new PeerError('ours', (e as Error).message);
  }
  const a = ctx.caps.adapter;
  return {
    name: 'ours',
    adapter: [a.vendor, a.architecture, a.description].filter((s) => s).join(' ') || 'unknown adapter (empty adapterInfo)',
    async prepare(d: LinearData): Promise<PreparedOp> {
      const { n, inF, outF, rank, scale, kind } = d.spec;
      const x = ctx.upload(d.x, [n, inF], 'bench.x');
      const w = ctx.upload(d.w, [outF, inF], 'bench.W');
      const A = kind === 'lora' ? ctx.upload(d.a, [rank, inF], 'bench.A') : null;
      const B = kind === 'lora' ? ctx.upload(d.b, [outF, rank], 'bench.B') : null;
      const u = kind === 'lora' ? ctx.empty([n, rank], 'bench.u') : null;
      const y = ctx.empty([n, outF], 'bench.y');
      await ctx.sync();
      return {
        run: kind === 'matmul' ? () => matmul(ctx, y, x, w, { transB: true }) : () => loraLinearForward(ctx, y, u!, x, w, A!, B!, { scale }),
        sync: () => ctx.sync(),
        read: () => ctx.read(y),
        dispose: () => ctx.release(x, w, A, B, u, y),
      };
    },
    destroy() {
      ctx.destroy();
    },
  };
}
