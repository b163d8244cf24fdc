// Our LoRA training step: Decoder + GpuOps forward (activations kept), backward into the
// LoRA gradients only (base frozen, no dExtra), then one fused adamwStep per adapter tensor
// (clip scale fixed at 1 — no clipping, same as the jax-js side). One step =
//   clear grads; forward; backward(dLoss = 1); 28 × adamwStep; release activations.
// The timed unit is `step(); await sync();`; nothing is read back inside it.
import { GpuContext } from '../../../src/engine/gpu/context.ts';
import type { GpuTensor } from '../../../src/engine/gpu/tensor.ts';
import { probeMatmulPaths } from '../../../src/engine/kernels/matmul/choice.ts';
import { probeNormPaths } from '../../../src/engine/kernels/norm/choice.ts';
import { adamwStep } from '../../../src/engine/kernels/optim/adamw.ts';
import { Decoder } from '../../../src/engine/model/decoder/decoder.ts';
import { GpuOps } from '../../../src/engine/model/decoder/gpu_ops.ts';
import { LORA_MODULES, type Adapters, type DecoderBatch, type DecoderWeights } from '../../../src/engine/model/decoder/types.ts';
import { PeerError } from '../peers/peer.ts';
import { loraNames, TRAIN_ADAMW, TRAIN_LORA, type TrainData } from './model.ts';
import type { OursTrainPeer } from './peer.ts';

/** `opts` (profile suite): a context of one's own (e.g. with timestamps) and a wrapper of the
 * decoder's ops (to attribute kernels to ops). */
export async function createOursTrainPeer(
  data: TrainData, opts: { ctx?: () => Promise<GpuContext>; wrapOps?: (ops: GpuOps) => GpuOps } = {},
): Promise<OursTrainPeer> {
  let ctx: GpuContext;
  try {
    ctx = await (opts.ctx ?? (() => GpuContext.create()))();
  } catch (e) {
    throw new PeerError('ours', (e as Error).message);
  }
  const a = ctx.caps.adapter;
  const d = data.dims, r = TRAIN_LORA.rank;
  const ops = opts.wrapOps ? opts.wrapOps(new GpuOps(ctx)) : new GpuOps(ctx);
  const up = (v: Float32Array, shape: number[], label: string) => ctx.upload(v, shape, label);
  const weights: DecoderWeights<GpuTensor> = {
    embed: up(data.embed, [d.vocab, d.hidden], 'embed'),
    lmHead: up(data.lmHead, [d.vocab, d.hidden], 'lmHead'),
    finalNorm: up(data.finalNorm, [d.hidden], 'finalNorm'),
    layers: data.layers.map((L, l) => {
      const lin = Object.fromEntries(LORA_MODULES.map((m) => [m, up(L.lin[m], [...shapeOf(m, d)], `L${l}.${m}`)]));
      return { inputNorm: up(L.inputNorm, [d.hidden], `L${l}.inputNorm`), postNorm: up(L.postNorm, [d.hidden], `L${l}.postNorm`), ...lin } as DecoderWeights<GpuTensor>['layers'][number];
    }),
  };
  const mk = (f: (l: number, m: (typeof LORA_MODULES)[number], w: 'A' | 'B', shape: number[]) => GpuTensor): Adapters<GpuTensor> => ({
    rank: r, alpha: TRAIN_LORA.alpha, modules: LORA_MODULES,
    layers: data.layers.map((_, l) => Object.fromEntries(LORA_MODULES.map((m) => {
      const [o, i] = shapeOf(m, d);
      return [m, { A: f(l, m, 'A', [r, i]), B: f(l, m, 'B', [o, r]) }];
    }))),
  });
  const adapters = mk((l, m, w, s) => up(data.layers[l][w][m], s, `L${l}.${m}.${w}`));
  const grads = mk((l, m, w, s) => ctx.zeros(s, `dL${l}.${m}.${w}`));
  const moms = mk((l, m, w, s) => ctx.zeros(s, `mL${l}.${m}.${w}`));
  const vars = mk((l, m, w, s) => ctx.zeros(s, `vL${l}.${m}.${w}`));
  const flat = (x: Adapters<GpuTensor>) => x.layers.flatMap((rec) => LORA_MODULES.flatMap((m) => [rec[m]!.A, rec[m]!.B]));
  const [P, G, M, V] = [adapters, grads, moms, vars].map(flat);
  const clipScale = up(new Float32Array([1]), [1], 'clipScale');
  const { batch, seqLen } = data.bt;
  const positions = new Uint32Array(batch * seqLen).map((_, i) => i % seqLen);
  const b: DecoderBatch = { batch, seqLen, ids: data.ids, positions, keyMask: null, srcIndex: null, labels: data.labels };
  const dec = new Decoder(ops, d, weights, adapters);
  let stepNo = 0;
  let lastLoss: GpuTensor | null = null;
  await ctx.sync();
  const baseline = ctx.pool.liveBytes;
  ctx.pool.resetPeak();

  const keepLoss = (st: ReturnType<typeof dec.forward>) => {
    if (lastLoss) ctx.release(lastLoss);
    lastLoss = st.loss; // keep the loss for readLoss(); free every activation
    st.loss = null;
    dec.release(st);
    ops.releaseInputs(); // the step's uploaded index arrays (the CE rows are new every step)
  };

  const step = () => {
    stepNo++;
    for (const g of G) ctx.clear(g);
    const st = dec.forward(b, null, { activations: 'keep' });
    dec.backward(st, { adapters: grads, dExtra: null }, 1, null);
    for (let k = 0; k < P.length; k++) adamwStep(ctx, P[k], G[k], M[k], V[k], clipScale, { ...TRAIN_ADAMW, step: stepNo });
    keepLoss(st);
  };

  return {
    name: 'ours',
    adapter: [a.vendor, a.architecture, a.description].filter((s) => s).join(' ') || 'unknown adapter (empty adapterInfo)',
    step,
    async phases() {
      // the same step with a full sync after each phase (slower in total: 2 extra syncs)
      stepNo++;
      for (const g of G) ctx.clear(g);
      let t = performance.now();
      const st = dec.forward(b, null, { activations: 'keep' });
      await ctx.sync();
      const forwardMs = performance.now() - t;
      t = performance.now();
      dec.backward(st, { adapters: grads, dExtra: null }, 1, null);
      await ctx.sync();
      const backwardMs = performance.now() - t;
      t = performance.now();
      for (let k = 0; k < P.length; k++) adamwStep(ctx, P[k], G[k], M[k], V[k], clipScale, { ...TRAIN_ADAMW, step: stepNo });
      await ctx.sync();
      keepLoss(st);
      return { forwardMs, backwardMs, adamwMs: performance.now() - t };
    },
    async countStep() {
      await ctx.sync();
      const c0 = ctx.counters.snapshot();
      step();
      await ctx.sync();
      return ctx.counters.since(c0);
    },
    tuneKernels: () => probeMatmulPaths(ctx),
    tuneNorms: () => probeNormPaths(ctx),
    sync: () => ctx.sync(),
    async readLoss() {
      if (!lastLoss) throw new PeerError('ours', 'readLoss() before step()');
      return (await ctx.read(lastLoss))[0];
    },
    async readParams() {
      const names = loraNames(d.layers);
      const out = new Map<string, Float32Array>();
      for (let k = 0; k < P.length; k++) out.set(names[k], await ctx.read(P[k]));
      return out;
    },
    peakBytes: () => ctx.pool.peakLiveBytes - baseline,
    residentBytes: () => baseline,
    destroy() {
      ctx.destroy();
    },
  };
}

function shapeOf(m: (typeof LORA_MODULES)[number], d: TrainData['dims']): [number, number] {
  const H = d.hidden, I = d.intermediate, q = d.heads * d.headDim, kv = d.kvHeads * d.headDim;
  return ({ q: [q, H], k: [kv, H], v: [kv, H], o: [H, q], gate: [I, H], up: [I, H], down: [H, I] } as const)[m] as [number, number];
}
