// Symmetric InfoNCE (VladVA, CLIP-style) over a whole contrastive batch.
//   img, txt [N,D], L2-normalised (l2norm.ts); tau = exp(logTau), logTau a GPU tensor [1]
//   (learnable, or fixed at ln 0.05 = DEFAULT_LOG_TAU); logits z = img·txtᵀ / tau [N,N];
//   loss = ½·( mean_i CE(z[i,:], label i) + mean_j CE(z[:,j], label j) ), written to lossOut [1].
// Saved: probsSaved [2,N,N] = (row softmax, column softmax) of z. N ≤ ~2048 (N² floats are
// materialised: GradCache embeds the whole batch and calls this once per step).
// Backward accumulates dLoss·∂loss/∂· into dImg, dTxt [N,D] and dLogTau [1] (null when tau is
// fixed). dLoss is a CPU number (GradCache passes 1; a loss weight goes here).
// Cost: two GEMMs in forward (img·txtᵀ) … two in backward (G·txt, Gᵀ·img), all via matmul.
import type { GpuContext } from '../../gpu/context.ts';
import { f32, u32, type GpuTensor } from '../../gpu/tensor.ts';
import { matmul } from '../matmul/matmul.ts';
import { checkTensor, dims2 } from '../args.ts';
import fwd from './infonce.wgsl?raw';
import bwd from './infonce_backward.wgsl?raw';

export { DEFAULT_LOG_TAU } from './infonce.ref.ts';

export interface InfoNceOptions {
  /** [1] f32: log of the temperature. */
  logTau: GpuTensor;
}

export interface InfoNceGrads {
  dImg: GpuTensor;
  dTxt: GpuTensor;
  dLogTau: GpuTensor | null;
}

function shapes(where: string, img: GpuTensor, txt: GpuTensor, probs: GpuTensor, logTau: GpuTensor): [number, number] {
  const [n, d] = dims2(where, 'img', img);
  checkTensor(where, 'txt', txt, [n, d]);
  checkTensor(where, 'probsSaved', probs, [2, n, n]);
  checkTensor(where, 'logTau', logTau, [1]);
  return [n, d];
}

export function infoNceForward(ctx: GpuContext, lossOut: GpuTensor, probsSaved: GpuTensor, img: GpuTensor, txt: GpuTensor, o: InfoNceOptions): void {
  const where = 'infonce.ts infoNceForward';
  const [n] = shapes(where, img, txt, probsSaved, o.logTau);
  checkTensor(where, 'lossOut', lossOut, [1]);
  // raw cosine similarities into slot 0; the softmax kernels scale by exp(−logTau) on the GPU
  matmul(ctx, ctx.view(probsSaved, 0, [n, n], 'infonce.S'), img, txt, { transB: true });
  const terms = ctx.empty([2 * n], 'infonce.terms');
  const common = { code: fwd, layout: ['uniform', 'rw', 'rw', 'read', 'rw'] as const, params: [u32(n)], bindings: [probsSaved, terms, o.logTau, lossOut] };
  ctx.dispatch({ ...common, name: 'infonce_col_softmax', entry: 'col_softmax', workgroups: ctx.grid(Math.ceil(n / 64)) });
  ctx.dispatch({ ...common, name: 'infonce_row_softmax', entry: 'row_softmax', workgroups: ctx.grid(n) });
  ctx.dispatch({ ...common, name: 'infonce_finish', entry: 'finish', workgroups: [1] });
  ctx.release(terms);
}

export function infoNceBackward(
  ctx: GpuContext, grads: InfoNceGrads, dLoss: number, img: GpuTensor, txt: GpuTensor, probsSaved: GpuTensor, o: InfoNceOptions,
): void {
  const where = 'infonce.ts infoNceBackward';
  const [n, d] = shapes(where, img, txt, probsSaved, o.logTau);
  checkTensor(where, 'dImg', grads.dImg, [n, d]);
  checkTensor(where, 'dTxt', grads.dTxt, [n, d]);
  if (grads.dLogTau) checkTensor(where, 'dLogTau', grads.dLogTau, [1]);
  const g = ctx.empty([n, n], 'infonce.G');
  const tmp = ctx.empty([n, d], 'infonce.G·txt');
  const dTau = grads.dLogTau ?? ctx.empty([1], 'infonce.unused');
  const common = {
    code: bwd, layout: ['uniform', 'rw', 'rw', 'rw', 'read', 'read', 'read', 'read'] as const,
    params: [u32(n), u32(d), f32(dLoss / (2 * n))], bindings: [g, grads.dImg, dTau, probsSaved, o.logTau, img, tmp],
  };
  ctx.dispatch({ ...common, name: 'infonce_grad_logits', entry: 'grad_logits', workgroups: ctx.grid(Math.ceil((n * n) / 256)) });
  matmul(ctx, tmp, g, txt); // G·txt [n,d]
  matmul(ctx, grads.dTxt, g, img, { transA: true, beta: 1 }); // dTxt += Gᵀ·img
  ctx.dispatch({ ...common, name: 'infonce_add_img', entry: 'add_img', workgroups: ctx.grid(Math.ceil((n * d) / 256)) });
  if (grads.dLogTau) ctx.dispatch({ ...common, name: 'infonce_tau_grad', entry: 'tau_grad', workgroups: [1] });
  ctx.release(g, tmp, grads.dLogTau ? null : dTau);
}
