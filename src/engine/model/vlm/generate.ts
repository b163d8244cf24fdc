// Captioning with a KV cache (batch 1), so a tuned model can still caption and long captions
// can be made for images that lack them.
//   prefill: one decoder forward over the prompt keeping activations; each layer's roped K
//            and V rows are copied into caches [maxLen, Hkv·D];
//   step:    the new token alone through every layer; its K/V appended at row `pos`;
//            attention of the single query over cache rows [0, pos] (the kernel aligns a
//            causal mask at the end, T=1 ≤ S).
// Logits come from the lm head on the last normed row and are read back to pick the token
// (greedy, or temperature + top-k sampling from a seeded generator).
import type { GpuTensor } from '../../gpu/tensor.ts';
import { attentionForward } from '../../kernels/attention/attention.ts';
import { embeddingForward } from '../../kernels/embedding/embedding.ts';
import { rowParts } from '../../gpu/split.ts';
import { matmul } from '../../kernels/matmul/matmul.ts';
import { mulberry32 } from '../../util/random.ts';
import type { Sequence } from './batch.ts';
import type { Vlm } from './vlm.ts';
import type { LinearOptions } from '../decoder/ops.ts';

export interface GenerateOptions {
  maxNewTokens: number;
  /** 0 (default) = greedy. */
  temperature?: number;
  topK?: number;
  seed?: number;
  /** Defaults to the tokenizer's eos and `<end_of_utterance>` when present. */
  stopIds?: number[];
  onToken?: (id: number) => void;
  /** Sees the logits of every step (tests compare them with a no-cache recomputation). */
  onLogits?: (logits: Float32Array) => void;
}

export function pickToken(logits: Float32Array, o: Pick<GenerateOptions, 'temperature' | 'topK'>, rand: () => number): number {
  const t = o.temperature ?? 0;
  if (t <= 0) {
    let best = 0;
    for (let i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
    return best;
  }
  const k = Math.min(o.topK ?? logits.length, logits.length);
  const order = Array.from(logits.keys()).sort((a, b) => logits[b] - logits[a]).slice(0, k);
  const mx = logits[order[0]];
  const w = order.map((i) => Math.exp((logits[i] - mx) / t));
  let u = rand() * w.reduce((a, b) => a + b, 0);
  for (let j = 0; j < order.length; j++) if ((u -= w[j]) <= 0) return order[j];
  return order[order.length - 1];
}

export async function generate(vlm: Vlm, prompt: Sequence, extra: GpuTensor | null, o: GenerateOptions): Promise<number[]> {
  const { ctx, ops, dims: d } = vlm;
  const H = d.hidden, kvW = d.kvHeads * d.headDim, qW = d.heads * d.headDim;
  const maxLen = prompt.ids.length + o.maxNewTokens;
  const stop = new Set(o.stopIds ?? [vlm.tokenizer.eosId, vlm.tokenizer.specialIds.get('<end_of_utterance>')].filter((x): x is number => x != null));
  const rand = mulberry32(o.seed ?? 0);
  const dec = vlm.decoder();
  const adapters = dec.adapters;
  const scale = adapters ? adapters.alpha / adapters.rank : 0;

  // ---- prefill
  const batch = vlm.pack([prompt]);
  const st = dec.forward(batch, extra, { keepActivations: true });
  const kCache = st.layers.map((_, l) => ctx.empty([maxLen, kvW], `kcache${l}`));
  const vCache = st.layers.map((_, l) => ctx.empty([maxLen, kvW], `vcache${l}`));
  st.layers.forEach((_, l) => {
    const A = dec.kept(st, l);
    ctx.copyRange(A.k, 0, kCache[l], 0, A.k.size);
    ctx.copyRange(A.v, 0, vCache[l], 0, A.v.size);
  });
  const logits = ctx.empty([1, d.vocab], 'gen.logits');
  const last = ctx.view(st.normed, 0, [batch.seqLen, H]);
  const lastRow = ctx.empty([1, H], 'gen.lastRow');
  ctx.copyRange(last, (batch.seqLen - 1) * H, lastRow, 0, H);
  dec.release(st);
  ops.releaseInputs();

  const out: number[] = [];
  const tmp = {
    h: ctx.empty([1, H], 'gen.h'), a: ctx.empty([1, H], 'gen.a'), rstd: ctx.empty([1], 'gen.rstd'),
    q: ctx.empty([1, qW], 'gen.q'), k: ctx.empty([1, kvW], 'gen.k'), v: ctx.empty([1, kvW], 'gen.v'),
    o: ctx.empty([1, qW], 'gen.o'), lse: ctx.empty([1, d.heads, 1], 'gen.lse'),
    h2: ctx.empty([1, H], 'gen.h2'), g: ctx.empty([1, d.intermediate], 'gen.g'), u: ctx.empty([1, d.intermediate], 'gen.u'),
    s: ctx.empty([1, d.intermediate], 'gen.s'), lu: adapters ? ctx.empty([1, adapters.rank], 'gen.loraU') : null,
  };
  const lin = (y: GpuTensor, x: GpuTensor, l: number, m: 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down', o: LinearOptions<GpuTensor> = {}) => {
    const p = adapters?.layers[l]?.[m];
    ops.linear(y, p ? tmp.lu : null, x, vlm.weights.layers[l][m], p?.A ?? null, p?.B ?? null, scale, o);
  };
  try {
    let pos = prompt.ids.length;
    let row = lastRow;
    for (let step = 0; step < o.maxNewTokens; step++) {
      for (const { part, row0 } of rowParts(vlm.weights.lmHead)) { // a split lm_head: one GEMM per row part
        const z = part === vlm.weights.lmHead ? logits : ctx.view(logits, row0, [1, part.shape[0]], 'gen.logits@part');
        matmul(ctx, z, row, part, { transB: true });
      }
      const z = await ctx.read(logits);
      o.onLogits?.(z);
      const tok = pickToken(z, o, rand);
      out.push(tok);
      o.onToken?.(tok);
      if (stop.has(tok) || step === o.maxNewTokens - 1) break;
      // ---- one decoding step at position `pos`
      const posArr = new Uint32Array([pos]);
      embeddingForward(ctx, tmp.h, new Uint32Array([tok]), vlm.weights.embed);
      for (let l = 0; l < d.layers; l++) {
        const L = vlm.weights.layers[l];
        ops.rmsNorm(tmp.a, tmp.rstd, tmp.h, L.inputNorm, d.rmsEps);
        lin(tmp.q, tmp.a, l, 'q');
        lin(tmp.k, tmp.a, l, 'k');
        lin(tmp.v, tmp.a, l, 'v');
        ops.ropeQK(tmp.q, tmp.k, posArr, d.heads, d.kvHeads, d.headDim, d.ropeTheta);
        ctx.copyRange(tmp.k, 0, kCache[l], pos * kvW, kvW);
        ctx.copyRange(tmp.v, 0, vCache[l], pos * kvW, kvW);
        const S = pos + 1;
        attentionForward(
          ctx, { ...tmp.o, shape: [1, 1, d.heads, d.headDim], isView: true }, tmp.lse,
          { ...tmp.q, shape: [1, 1, d.heads, d.headDim], isView: true },
          ctx.view(kCache[l], 0, [1, S, d.kvHeads, d.headDim]), ctx.view(vCache[l], 0, [1, S, d.kvHeads, d.headDim]),
          null, { causal: true },
        );
        lin(tmp.h2, tmp.o, l, 'o', { residual: tmp.h }); // h2 = h + o_proj(o), fused
        ops.rmsNorm(tmp.a, tmp.rstd, tmp.h2, L.postNorm, d.rmsEps);
        lin(tmp.g, tmp.a, l, 'gate');
        lin(tmp.u, tmp.a, l, 'up', { swiglu: { gate: tmp.g, out: tmp.s } }); // s = silu(g)·u, fused
        lin(tmp.h, tmp.s, l, 'down', { residual: tmp.h2 }); // h = h2 + down(s), fused
      }
      ops.rmsNorm(tmp.a, tmp.rstd, tmp.h, vlm.weights.finalNorm, d.rmsEps);
      row = tmp.a;
      ops.releaseInputs();
      pos++;
    }
  } finally {
    ctx.release(...kCache, ...vCache, logits, lastRow, ...Object.values(tmp));
  }
  return out;
}
