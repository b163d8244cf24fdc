// Runs the golden decoder case on any Ops backend and returns the quantities to compare with
// PyTorch: CE loss, final normed states, every LoRA gradient and the soft-prompt gradient.
// Shared by decoder.test.ts (CPU references, Node) and decoder.gpu.test.ts (WGSL kernels).
import { Decoder } from './decoder.ts';
import type { Golden, HostTensor } from './golden.ts';
import type { Ops } from './ops.ts';
import type { Adapters, DecoderWeights } from './types.ts';

export interface GoldenRun {
  ceLoss: number;
  normed: Float32Array;
  adapterGrads: Map<string, Float32Array>; // "L0.q.A" → gradient
  dExtra: Float32Array;
  /** Full-parameter mode only: base-weight gradients keyed like the fixture ("L0.q", "embed", …). */
  baseGrads: Map<string, Float32Array> | null;
}

export async function runGolden<T>(
  ops: Ops<T>, g: Golden, upload: (h: HostTensor, label: string) => T, activations: 'keep' | 'recompute' = 'keep',
  fullParams = false,
): Promise<GoldenRun> {
  const up = (h: HostTensor, label: string) => upload(h, label);
  const weights: DecoderWeights<T> = {
    embed: up(g.weights.embed, 'embed'),
    finalNorm: up(g.weights.finalNorm, 'finalNorm'),
    lmHead: up(g.weights.lmHead, 'lmHead'),
    layers: g.weights.layers.map((L, l) => ({
      inputNorm: up(L.inputNorm, `L${l}.inputNorm`), postNorm: up(L.postNorm, `L${l}.postNorm`),
      q: up(L.q, `L${l}.q`), k: up(L.k, `L${l}.k`), v: up(L.v, `L${l}.v`), o: up(L.o, `L${l}.o`),
      gate: up(L.gate, `L${l}.gate`), up: up(L.up, `L${l}.up`), down: up(L.down, `L${l}.down`),
    })),
  };
  const mapAdapters = (f: (h: HostTensor, name: string) => T): Adapters<T> => ({
    ...g.adapters,
    layers: g.adapters.layers.map((rec, l) =>
      Object.fromEntries(Object.entries(rec).map(([m, p]) => [m, { A: f(p!.A, `L${l}.${m}.A`), B: f(p!.B, `L${l}.${m}.B`) }])),
    ),
  });
  const adapters = mapAdapters(up);
  const grads = mapAdapters((h, name) => ops.zeros(h.shape, `d${name}`));
  const extra = up(g.extra, 'extra');
  const dExtra = ops.zeros(g.extra.shape, 'dExtra');
  const upstream = up(g.upstream, 'upstream');

  const zerosOf = (t: HostTensor, label: string) => ops.zeros(t.shape, label);
  const base: DecoderWeights<T> | null = fullParams
    ? {
        embed: zerosOf(g.weights.embed, 'dEmbed'), finalNorm: zerosOf(g.weights.finalNorm, 'dFinalNorm'),
        lmHead: zerosOf(g.weights.lmHead, 'dLmHead'),
        layers: g.weights.layers.map((L, l) => Object.fromEntries(Object.entries(L).map(([k, v]) => [k, zerosOf(v, `dL${l}.${k}`)])) as unknown as DecoderWeights<T>['layers'][number]),
      }
    : null;
  const dec = new Decoder(ops, g.dims, weights, adapters);
  const st = dec.forward(g.batch, extra, { activations });
  dec.backward(st, { adapters: grads, dExtra, base }, 1, upstream);
  let baseGrads: Map<string, Float32Array> | null = null;
  if (base) {
    baseGrads = new Map([['embed', await ops.read(base.embed)], ['final_norm', await ops.read(base.finalNorm)], ['lm_head', await ops.read(base.lmHead)]]);
    const names: Record<string, string> = { inputNorm: 'input_norm', postNorm: 'post_norm' };
    for (let l = 0; l < base.layers.length; l++) {
      for (const [k, t] of Object.entries(base.layers[l])) baseGrads.set(`L${l}.${names[k] ?? k}`, await ops.read(t as T));
    }
  }

  const adapterGrads = new Map<string, Float32Array>();
  for (let l = 0; l < grads.layers.length; l++) {
    for (const [m, p] of Object.entries(grads.layers[l])) {
      adapterGrads.set(`L${l}.${m}.A`, await ops.read(p!.A));
      adapterGrads.set(`L${l}.${m}.B`, await ops.read(p!.B));
    }
  }
  const run: GoldenRun = {
    ceLoss: (await ops.read(st.loss!))[0],
    normed: await ops.read(st.normed),
    adapterGrads,
    dExtra: await ops.read(dExtra),
    baseGrads,
  };
  dec.release(st);
  return run;
}

/** The expected gradients of the golden file keyed like GoldenRun.adapterGrads. */
export function expectedAdapterGrads(g: Golden): Map<string, Float32Array> {
  const m = new Map<string, Float32Array>();
  g.expect.adapterGrads.layers.forEach((rec, l) => {
    for (const [mod, p] of Object.entries(rec)) {
      m.set(`L${l}.${mod}.A`, p!.A.data);
      m.set(`L${l}.${mod}.B`, p!.B.data);
    }
  });
  return m;
}
