// The readable forward/backward call list of a Llama/SmolLM2 decoder with LoRA, written once
// against Ops<T> (GPU kernels or CPU references). Backward is the forward list reversed;
// every backward op accumulates, so the residual stream's gradient is ONE buffer `dh`
// that each branch adds into (llm.c style).
//
// Per layer:  a = rmsnorm(h); q,k,v = lora(a); rope(q,k); o = attn(q,k,v); h += lora_o(o)
//             m = rmsnorm(h); g,u = lora(m); s = swiglu(g,u); h += lora_down(s)
// Fusions (dispatch economy, docs/PERFORMANCE.md): each "h +=" is the residual operand of
// the o/down GEMM's epilogue (no add kernel), and swiglu is a second output of the up
// GEMM's epilogue; rope(q,k) is one dispatch; the rank-r LoRA GEMMs of q/k/v and of gate/up
// are grouped (layer_linears.ts).
// Head:       n = rmsnorm(h); loss = CE(n[R]·lm_headᵀ, labels[R]) over the labelled rows R only
//             (gathered; their dNormed is scattered back: no logits for prompt/image rows)

import { linear, linearBackward, linearBackwardShared, linearShared, type LayerLinears } from './layer_linears.ts';
import type { Ops } from './ops.ts';
import type { Adapters, DecoderBatch, DecoderDims, DecoderWeights, LoraModule } from './types.ts';

/** A layer's saved state: everything (keep) or only its input (recompute). */
type StoredLayer<T> = LayerActs<T> | { hIn: T };

export interface LayerActs<T> {
  hIn: T; a: T; rstd1: T; q: T; k: T; v: T; o: T; lse: T; hMid: T; m: T; rstd2: T;
  g: T; u: T; s: T;
  lora: Partial<Record<LoraModule, T>>; // saved x·Aᵀ per module
}

export interface ForwardState<T> {
  batch: DecoderBatch;
  layers: StoredLayer<T>[];
  hOut: T; // [N,H] residual stream after the last layer
  normed: T; // [N,H] final-norm output (embeddings are read from here)
  rstdF: T;
  loss: T | null; // [1]
  lseCE: T | null; // [R] (or [N] when every row is labelled)
  /** The CE runs on the labelled rows only: their row indices (R), normed rows [R,H] and
   * labels [R]; null when every row is labelled (or none: then the CE sees all N rows). */
  ce: { rows: Uint32Array; normed: T; labels: Int32Array } | null;
}

export class Decoder<T> {
  constructor(
    readonly ops: Ops<T>,
    readonly dims: DecoderDims,
    readonly w: DecoderWeights<T>,
    readonly adapters: Adapters<T> | null,
  ) {}

  /** What the layer linears (layer_linears.ts) need of this decoder. */
  private get lins(): LayerLinears<T> {
    return { ops: this.ops, w: this.w, adapters: this.adapters, scale: this.scale() };
  }

  private scale(): number {
    return this.adapters ? this.adapters.alpha / this.adapters.rank : 0;
  }

  /** One layer forward from its input h [N,H]: every activation backward needs, and the output. */
  private layerForward(l: number, h: T, batch: DecoderBatch): { acts: LayerActs<T>; hNext: T } {
    const { ops, dims: d } = this;
    const N = batch.batch * batch.seqLen;
    const H = d.hidden, q = d.heads * d.headDim, kv = d.kvHeads * d.headDim;
    const L = this.w.layers[l];
    const acts: LayerActs<T> = {
      hIn: h,
      a: ops.empty([N, H], `L${l}.a`), rstd1: ops.empty([N], `L${l}.rstd1`),
      q: ops.empty([N, q], `L${l}.q`), k: ops.empty([N, kv], `L${l}.k`), v: ops.empty([N, kv], `L${l}.v`),
      o: ops.empty([N, q], `L${l}.o`), lse: ops.empty([batch.batch, d.heads, batch.seqLen], `L${l}.lse`),
      hMid: ops.empty([N, H], `L${l}.hMid`), m: ops.empty([N, H], `L${l}.m`), rstd2: ops.empty([N], `L${l}.rstd2`),
      g: ops.empty([N, d.intermediate], `L${l}.g`), u: ops.empty([N, d.intermediate], `L${l}.u`),
      s: ops.empty([N, d.intermediate], `L${l}.s`), lora: {},
    };
    ops.rmsNorm(acts.a, acts.rstd1, h, L.inputNorm, d.rmsEps);
    const c = this.lins;
    linearShared(c, [[acts.q, 'q'], [acts.k, 'k'], [acts.v, 'v']], acts.lora, acts.a, l, N);
    ops.ropeQK(acts.q, acts.k, batch.positions, d.heads, d.kvHeads, d.headDim, d.ropeTheta);
    ops.attention(acts.o, acts.lse, acts.q, acts.k, acts.v, batch.keyMask, true);
    linear(c, acts.hMid, acts.lora, acts.o, l, 'o', N, { residual: h }); // hMid = h + o_proj(o)
    ops.rmsNorm(acts.m, acts.rstd2, acts.hMid, L.postNorm, d.rmsEps);
    // s = silu(g)·u comes out of the up GEMM's epilogue (gate runs first)
    linearShared(c, [[acts.g, 'gate'], [acts.u, 'up', { swiglu: { gate: acts.g, out: acts.s } }]], acts.lora, acts.m, l, N);
    const hNext = ops.empty([N, H], `h${l + 1}`);
    linear(c, hNext, acts.lora, acts.s, l, 'down', N, { residual: acts.hMid }); // hNext = hMid + down(s)
    return { acts, hNext };
  }

  /**
   * Forward. `activations`:
   *  'keep' (default) — every layer's activations are kept for backward;
   *  'recompute'      — only each layer's input is kept; backward re-runs the layer's forward
   *                     just before its backward (per-layer activation recompute: memory of one
   *                     layer instead of all, for one extra forward);
   *  'none'           — each layer's activations are freed as soon as the next exists
   *                     (inference, the no-grad pass of GradCache).
   * `extra` [E,H] feeds the rows with srcIndex ≥ 0 (soft prompts, image features).
   */
  forward(batch: DecoderBatch, extra: T | null, opts: { keepActivations?: boolean; activations?: 'keep' | 'recompute' | 'none' } = {}): ForwardState<T> {
    const mode = opts.activations ?? (opts.keepActivations === false ? 'none' : 'keep');
    const { ops, dims: d } = this;
    const N = batch.batch * batch.seqLen;
    const H = d.hidden;
    let h = ops.empty([N, H], 'h0');
    ops.embed(h, batch.ids, this.w.embed, extra, batch.srcIndex);
    const layers: StoredLayer<T>[] = [];
    for (let l = 0; l < d.layers; l++) {
      const { acts, hNext } = this.layerForward(l, h, batch);
      if (mode === 'keep') layers.push(acts);
      else if (mode === 'recompute') {
        layers.push({ hIn: acts.hIn });
        this.releaseLayer({ ...acts, hIn: null as unknown as T });
      } else this.releaseLayer(acts);
      h = hNext;
    }
    const normed = ops.empty([N, H], 'normed');
    const rstdF = ops.empty([N], 'rstdF');
    ops.rmsNorm(normed, rstdF, h, this.w.finalNorm, d.rmsEps);
    let loss: T | null = null;
    let lseCE: T | null = null;
    let ce: ForwardState<T>['ce'] = null;
    if (batch.labels) {
      // lm_head + CE on the labelled rows only (prompt, image and padding rows have no
      // logits): gather them (embed with `normed` as the table), scatter dNormed back in backward
      const rows = labelledRows(batch.labels);
      if (rows.length > 0 && rows.length < N) {
        const g = ops.empty([rows.length, H], 'normedCE');
        ops.embed(g, rows, normed, null, null);
        ce = { rows, normed: g, labels: Int32Array.from(rows, (r) => batch.labels![r]) };
      }
      loss = ops.zeros([1], 'loss');
      lseCE = ops.empty([ce ? rows.length : N], 'lseCE');
      ops.crossEntropy(loss, lseCE, ce ? ce.normed : normed, this.w.lmHead, ce ? ce.labels : batch.labels);
    }
    return { batch, layers, hOut: h, normed, rstdF, loss, lseCE, ce };
  }

  /**
   * Backward from the CE loss (scaled by dLoss) and/or an upstream gradient on the final
   * normed hidden states (dNormed, e.g. from the contrastive loss at the summary token).
   * Accumulates into adapter grads (same structure as `this.adapters`) and dExtra.
   */
  backward(
    st: ForwardState<T>,
    grads: {
      adapters: Adapters<T> | null;
      dExtra: T | null;
      /** Full-parameter training (pretraining): gradients of the base weights, same record
       * shape as the weights (for tied embeddings, lmHead is the same tensor as embed). */
      base?: DecoderWeights<T> | null;
    },
    dLoss: number,
    dNormed: T | null,
  ): void {
    const { ops, dims: d } = this;
    const b = st.batch;
    const N = b.batch * b.seqLen;
    const H = d.hidden, q = d.heads * d.headDim, kv = d.kvHeads * d.headDim;
    const dn = dNormed ? ops.empty([N, H], 'dNormed') : ops.zeros([N, H], 'dNormed');
    if (dNormed) ops.copy(dn, dNormed); // a copy, not zeros + an add dispatch
    const base = grads.base ?? null;
    if (st.loss && b.labels && dLoss !== 0) {
      if (st.ce) {
        const dR = ops.zeros([st.ce.rows.length, H], 'dNormedCE');
        ops.crossEntropyBackward(dR, base?.lmHead ?? null, dLoss, st.ce.normed, this.w.lmHead, st.ce.labels, st.lseCE!);
        ops.embedBackward(dn, null, dR, st.ce.rows, null); // rows are distinct: a plain scatter-add
        ops.free(dR);
      } else ops.crossEntropyBackward(dn, base?.lmHead ?? null, dLoss, st.normed, this.w.lmHead, b.labels, st.lseCE!);
    }
    const dh = ops.zeros([N, H], 'dh'); // the residual stream gradient, shared by all layers
    ops.rmsNormBackward(dh, base?.finalNorm ?? null, dn, st.hOut, this.w.finalNorm, st.rstdF);
    ops.free(dn);

    const c = this.lins;
    const lg = { adapters: grads.adapters, base };

    for (let l = d.layers - 1; l >= 0; l--) {
      const stored = st.layers[l];
      const recomputed = 'a' in stored ? null : this.layerForward(l, stored.hIn, b);
      const A = recomputed ? recomputed.acts : (stored as LayerActs<T>);
      if (recomputed) ops.free(recomputed.hNext);
      const L = this.w.layers[l];
      // MLP branch: h = hMid + down(swiglu(gate(m), up(m)))
      const ds = ops.zeros([N, d.intermediate], 'ds');
      linearBackward(c, lg, l, 'down', ds, dh, A.s, A.lora.down);
      const dg = ops.zeros([N, d.intermediate], 'dg');
      const du = ops.zeros([N, d.intermediate], 'du');
      ops.swigluBackward(dg, du, ds, A.g, A.u);
      const dm = ops.zeros([N, H], 'dm');
      linearBackwardShared(c, lg, l, dm, A.m, A.lora, [['gate', dg], ['up', du]], N);
      ops.rmsNormBackward(dh, base?.layers[l].postNorm ?? null, dm, A.hMid, L.postNorm, A.rstd2);
      ops.free(ds, dg, du, dm);
      // attention branch: hMid = hIn + o_proj(attn(rope(q(a)), rope(k(a)), v(a)))
      const dO = ops.zeros([N, q], 'dO');
      linearBackward(c, lg, l, 'o', dO, dh, A.o, A.lora.o);
      const dq = ops.zeros([N, q], 'dq');
      const dk = ops.zeros([N, kv], 'dk');
      const dv = ops.zeros([N, kv], 'dv');
      ops.attentionBackward({ dq, dk, dv }, dO, A.q, A.k, A.v, A.o, A.lse, b.keyMask, true);
      ops.ropeQKBackward(dq, dk, b.positions, d.heads, d.kvHeads, d.headDim, d.ropeTheta);
      const da = ops.zeros([N, H], 'da');
      linearBackwardShared(c, lg, l, da, A.a, A.lora, [['q', dq], ['k', dk], ['v', dv]], N);
      ops.rmsNormBackward(dh, base?.layers[l].inputNorm ?? null, da, A.hIn, L.inputNorm, A.rstd1);
      ops.free(dO, dq, dk, dv, da);
      if (recomputed) this.releaseLayer({ ...recomputed.acts, hIn: null as unknown as T }); // hIn stays owned by st
    }
    ops.embedBackward(base?.embed ?? null, grads.dExtra, dh, b.ids, b.srcIndex);
    ops.free(dh);
  }

  /** The kept activations of layer l (forward ran with activations 'keep'). */
  kept(st: ForwardState<T>, l: number): LayerActs<T> {
    const A = st.layers[l];
    if (!('a' in A)) throw new Error(`layer ${l}: activations were not kept (forward ran with activations 'recompute')`);
    return A;
  }

  private releaseLayer(A: LayerActs<T>): void {
    this.ops.free(A.hIn, A.a, A.rstd1, A.q, A.k, A.v, A.o, A.lse, A.hMid, A.m, A.rstd2, A.g, A.u, A.s, ...Object.values(A.lora));
  }

  /** Return every activation of a forward state to the allocator. */
  release(st: ForwardState<T>): void {
    for (const A of st.layers) {
      if ('a' in A) this.releaseLayer(A);
      else this.ops.free(A.hIn);
    }
    this.ops.free(st.hOut, st.normed, st.rstdF, st.loss, st.lseCE, st.ce?.normed);
  }
}

/** Indices of the rows with a label ≥ 0, ascending. */
function labelledRows(labels: Int32Array): Uint32Array {
  let n = 0;
  for (const l of labels) if (l >= 0) n++;
  const out = new Uint32Array(n);
  let k = 0;
  labels.forEach((l, r) => { if (l >= 0) out[k++] = r; });
  return out;
}
