/**
 * Training forward + backward of the native vision tower and connector (full-parameter:
 * pretraining and the CLIP baseline). Mirrors tower.ts's call list, but keeps every
 * activation the backward needs; CPU twin: tower_train.ref.ts.
 *
 * Public API:
 *   visionTowerForwardTrain(ctx, pixels [M,C,S,S], w, c) → { features [M,T,Dt] (caller releases), state }
 *   visionTowerBackward(ctx, dFeatures [M,T,Dt] | [M·T,Dt], state, w, grads, c, { dPixels? })
 *     grads: a VisionWeights-shaped record; every tensor is ACCUMULATED into (+=), so zero
 *     them once per step. dPixels [M,C,S,S] (optional) is accumulated too. Releases `state`.
 *   releaseVisionTrainState(ctx, state)            drop a state without running backward
 *   zerosLikeVisionWeights(ctx, w, prefix)         zero-filled record (grads, Adam moments)
 *   visionWeightEntries(w) → [{ name, t }]         Hugging Face names, fixed order
 *   visionParamShapes(c), mapVisionParams(w, f)    the same record over shapes / host arrays
 *
 * Backward, the forward list reversed (every op accumulates; the residual stream's gradient
 * is ONE buffer dx that each branch adds into, llm.c style, as in decoder/decoder.ts):
 *   proj → pixel-shuffle⁻¹ → post-LN → per layer (last first):
 *     fc2 (+bias) → gelu_tanh → fc1 (+bias) → LN2 (dx +=) → out_proj (+bias) → attention →
 *     q/k/v (+bias, one dH) → LN1 (dx +=)
 *   → position (Σ over images) → patch bias, patch W (→ col2im for dPixels).
 * Saved per layer: xIn, h1, mean1, rstd1, q, k, v, a, lse, xMid, h2, mean2, rstd2, f1, f2
 * (≈ (11·D + 2·I)·4 bytes per patch row and layer; nothing is recomputed).
 * Trap: the residual adds are fused into the GEMM epilogue (beta = 1) like tower.ts, so the
 * next residual buffer is first a copy of the previous one (the old one stays saved).
 */
import type { GpuContext } from '../../gpu/context.ts';
import { shapeStr, type GpuTensor } from '../../gpu/tensor.ts';
import { attentionBackward, attentionForward } from '../../kernels/attention/attention.ts';
import { addBiasBackward } from '../../kernels/elementwise/bias.ts';
import { elementwiseBackward, elementwiseForward } from '../../kernels/elementwise/elementwise.ts';
import { gemm, matmulDims } from '../../kernels/matmul/matmul.ts';
import { matmulBackward } from '../../kernels/matmul/matmul_backward.ts';
import { layerNormBackward, layerNormForward } from '../../kernels/norm/layernorm.ts';
import type { VlmConfig } from '../config.ts';
import { VisionInputError } from './encoder.ts';
import {
  addPositionBackward, addPositionForward, im2colBackward, im2colForward, pixelShuffleBackward, pixelShuffleForward,
} from './kernels.ts';
import type { VisionLayerWeights, VisionWeights } from './weights.ts';

const FILE = 'model/vision/tower_train.ts';

// ---- the parameter record, generic over what each slot holds ------------------------------

type LayerKey = keyof VisionLayerWeights;
type TopKey = Exclude<keyof VisionWeights, 'layers'>;
export type VisionParams<T> = { [K in TopKey]: T } & { layers: { [K in LayerKey]: T }[] };

/** Hugging Face names (the inverse of uploadVisionWeights); object order = entry order. */
const LAYER_NAMES: Record<LayerKey, string> = {
  ln1W: 'layer_norm1.weight', ln1B: 'layer_norm1.bias',
  qW: 'self_attn.q_proj.weight', qB: 'self_attn.q_proj.bias',
  kW: 'self_attn.k_proj.weight', kB: 'self_attn.k_proj.bias',
  vW: 'self_attn.v_proj.weight', vB: 'self_attn.v_proj.bias',
  oW: 'self_attn.out_proj.weight', oB: 'self_attn.out_proj.bias',
  ln2W: 'layer_norm2.weight', ln2B: 'layer_norm2.bias',
  fc1W: 'mlp.fc1.weight', fc1B: 'mlp.fc1.bias',
  fc2W: 'mlp.fc2.weight', fc2B: 'mlp.fc2.bias',
};
const E = 'model.vision_model.embeddings.';
const HEAD_NAMES: Record<'patchW' | 'patchB' | 'pos', string> = {
  patchW: E + 'patch_embedding.weight', patchB: E + 'patch_embedding.bias', pos: E + 'position_embedding.weight',
};
const TAIL_NAMES: Record<'postW' | 'postB' | 'proj', string> = {
  postW: 'model.vision_model.post_layernorm.weight', postB: 'model.vision_model.post_layernorm.bias',
  proj: 'model.connector.modality_projection.proj.weight',
};
const layerPrefix = (i: number) => `model.vision_model.encoder.layers.${i}.`;

/** The same record with every slot mapped (f gets the slot's Hugging Face name). */
export function mapVisionParams<A, B>(w: VisionParams<A>, f: (t: A, name: string) => B): VisionParams<B> {
  const pick = <K extends string>(names: Record<K, string>, src: Record<K, A>) =>
    Object.fromEntries((Object.keys(names) as K[]).map((k) => [k, f(src[k], names[k])])) as Record<K, B>;
  return {
    ...pick(HEAD_NAMES, w),
    layers: w.layers.map((l, i) => pick(Object.fromEntries(
      (Object.keys(LAYER_NAMES) as LayerKey[]).map((k) => [k, layerPrefix(i) + LAYER_NAMES[k]])) as Record<LayerKey, string>, l)),
    ...pick(TAIL_NAMES, w),
  };
}

/** Every slot with its Hugging Face name: embeddings, layers 0…, post-LN, connector. */
export function visionWeightEntries<T = GpuTensor>(w: VisionParams<T>): { name: string; t: T }[] {
  const out: { name: string; t: T }[] = [];
  mapVisionParams(w, (t, name) => out.push({ name, t }));
  return out;
}

/** Shapes of every slot for a config (as uploadVisionWeights uploads them). */
export function visionParamShapes(c: VlmConfig): VisionParams<number[]> {
  const { hidden_size: D, intermediate_size: I, patch_size: p, image_size: S, num_channels: C } = c.vision;
  const L = (S / p) ** 2, s = c.scaleFactor;
  const layer = (): VisionParams<number[]>['layers'][number] => ({
    ln1W: [D], ln1B: [D], qW: [D, D], qB: [D], kW: [D, D], kB: [D], vW: [D, D], vB: [D], oW: [D, D], oB: [D],
    ln2W: [D], ln2B: [D], fc1W: [I, D], fc1B: [I], fc2W: [D, I], fc2B: [D],
  });
  return {
    patchW: [D, C * p * p], patchB: [D], pos: [L, D],
    layers: Array.from({ length: c.vision.num_hidden_layers }, layer),
    postW: [D], postB: [D], proj: [c.text.hidden_size, s * s * D],
  };
}

export function zerosLikeVisionWeights(ctx: GpuContext, w: VisionWeights, prefix: string): VisionWeights {
  return mapVisionParams(w, (t, name) => ctx.zeros(t.shape, `${prefix}${name}`));
}

// ---- forward (training) -------------------------------------------------------------------

interface LayerActs {
  xIn: GpuTensor; h1: GpuTensor; mean1: GpuTensor; rstd1: GpuTensor;
  q: GpuTensor; k: GpuTensor; v: GpuTensor; a: GpuTensor; lse: GpuTensor;
  xMid: GpuTensor; h2: GpuTensor; mean2: GpuTensor; rstd2: GpuTensor; f1: GpuTensor; f2: GpuTensor;
}

interface Dims { M: number; C: number; S: number; p: number; n: number; L: number; R: number; D: number; H: number; hd: number; I: number; s: number; T: number; Dt: number; eps: number }

export interface VisionTrainState {
  readonly dims: Dims;
  cols: GpuTensor; // [R, C·p·p]
  layers: LayerActs[];
  xOut: GpuTensor; hPost: GpuTensor; meanP: GpuTensor; rstdP: GpuTensor; // [R,D], [R], [R]
  shuffled: GpuTensor; // [M·T, s²·D]
  released: boolean;
}

function dimsOf(c: VlmConfig, pixels: GpuTensor, where: string): Dims {
  const { hidden_size: D, patch_size: p, image_size: S, num_channels: C, num_attention_heads: H } = c.vision;
  const n = S / p, L = n * n, s = c.scaleFactor;
  const img = C * S * S;
  if (pixels.size % img !== 0) throw new VisionInputError(where, `pixels ${shapeStr(pixels)} is not a whole number of [${C},${S},${S}] images`);
  const M = pixels.size / img;
  return {
    M, C, S, p, n, L, R: M * L, D, H, hd: D / H, I: c.vision.intermediate_size, s, T: L / (s * s),
    Dt: c.text.hidden_size, eps: c.vision.layer_norm_eps,
  };
}

/** y [R, out] = x · Wᵀ (+ bias) (+ y when accumulate). */
function linear(ctx: GpuContext, y: GpuTensor, x: GpuTensor, W: GpuTensor, bias: GpuTensor | null, accumulate: boolean, name: string): void {
  gemm(ctx, y, x, W, matmulDims(y, x, W, false, true, `${FILE}:${name}`), { transB: true, bias, beta: accumulate ? 1 : 0, name });
}

const heads = (ctx: GpuContext, t: GpuTensor, d: Dims) => ctx.view(t, 0, [d.M, d.L, d.H, d.hd], `${t.label}.heads`);

function layerForwardTrain(ctx: GpuContext, xIn: GpuTensor, w: VisionLayerWeights, d: Dims, li: number): LayerActs {
  const { R, D, I, M, H, L } = d;
  const n = `vision_l${li}`;
  const e = (shape: number[], what: string) => ctx.empty(shape, `${n}.${what}`);
  const t: LayerActs = {
    xIn, h1: e([R, D], 'h1'), mean1: e([R], 'mean1'), rstd1: e([R], 'rstd1'),
    q: e([R, D], 'q'), k: e([R, D], 'k'), v: e([R, D], 'v'), a: e([R, D], 'attn'), lse: e([M, H, L], 'lse'),
    xMid: e([R, D], 'xMid'), h2: e([R, D], 'h2'), mean2: e([R], 'mean2'), rstd2: e([R], 'rstd2'),
    f1: e([R, I], 'fc1'), f2: e([R, I], 'gelu'),
  };
  layerNormForward(ctx, t.h1, t.mean1, t.rstd1, xIn, w.ln1W, w.ln1B, { eps: d.eps });
  linear(ctx, t.q, t.h1, w.qW, w.qB, false, `${n}_q_proj`);
  linear(ctx, t.k, t.h1, w.kW, w.kB, false, `${n}_k_proj`);
  linear(ctx, t.v, t.h1, w.vW, w.vB, false, `${n}_v_proj`);
  attentionForward(ctx, heads(ctx, t.a, d), t.lse, heads(ctx, t.q, d), heads(ctx, t.k, d), heads(ctx, t.v, d), null,
    { causal: false, scale: 1 / Math.sqrt(d.hd) });
  ctx.copy(xIn, t.xMid);
  linear(ctx, t.xMid, t.a, w.oW, w.oB, true, `${n}_out_proj`); // xMid = xIn + out_proj(a)
  layerNormForward(ctx, t.h2, t.mean2, t.rstd2, t.xMid, w.ln2W, w.ln2B, { eps: d.eps });
  linear(ctx, t.f1, t.h2, w.fc1W, w.fc1B, false, `${n}_fc1`);
  elementwiseForward(ctx, 'gelu_tanh', t.f2, t.f1);
  return t;
}

export function visionTowerForwardTrain(ctx: GpuContext, pixels: GpuTensor, w: VisionWeights, c: VlmConfig):
  { features: GpuTensor; state: VisionTrainState } {
  const where = `${FILE}:visionTowerForwardTrain`;
  const d = dimsOf(c, pixels, where);
  if (d.M === 0) throw new VisionInputError(where, 'no images: a training step needs at least one');
  const { M, R, D, T, Dt, s } = d;
  const owned: GpuTensor[] = [];
  const keep = (t: GpuTensor) => (owned.push(t), t);
  try {
    const cols = keep(ctx.empty([R, d.C * d.p * d.p], 'vision.cols'));
    im2colForward(ctx, cols, pixels, { C: d.C, S: d.S, p: d.p });
    let x = keep(ctx.empty([R, D], 'vision.x0'));
    linear(ctx, x, cols, w.patchW, w.patchB, false, 'vision_patch_embed');
    addPositionForward(ctx, x, w.pos);
    const layers: LayerActs[] = [];
    w.layers.forEach((lw, li) => {
      const t = layerForwardTrain(ctx, x, lw, d, li);
      for (const [k, v] of Object.entries(t)) if (k !== 'xIn') keep(v);
      layers.push(t);
      x = keep(ctx.empty([R, D], `vision_l${li}.xOut`));
      ctx.copy(t.xMid, x);
      linear(ctx, x, t.f2, lw.fc2W, lw.fc2B, true, `vision_l${li}_fc2`); // xOut = xMid + fc2(gelu(fc1(h2)))
    });
    const hPost = keep(ctx.empty([R, D], 'vision.hPost'));
    const meanP = keep(ctx.empty([R], 'vision.meanP')), rstdP = keep(ctx.empty([R], 'vision.rstdP'));
    layerNormForward(ctx, hPost, meanP, rstdP, x, w.postW, w.postB, { eps: d.eps });
    const shuffled = keep(ctx.empty([M * T, s * s * D], 'vision.shuffled'));
    pixelShuffleForward(ctx, shuffled, ctx.view(hPost, 0, [M, d.L, D]), { n: d.n, s });
    const features = ctx.empty([M, T, Dt], 'vision.features');
    if (M > 0) linear(ctx, ctx.view(features, 0, [M * T, Dt], 'vision.features2d'), shuffled, w.proj, null, false, 'vision_connector_proj');
    return { features, state: { dims: d, cols, layers, xOut: x, hPost, meanP, rstdP, shuffled, released: false } };
  } catch (err) {
    ctx.release(...owned);
    throw err;
  }
}

export function releaseVisionTrainState(ctx: GpuContext, state: VisionTrainState): void {
  if (state.released) return;
  state.released = true;
  ctx.release(state.cols, state.xOut, state.hPost, state.meanP, state.rstdP, state.shuffled);
  for (const l of state.layers) ctx.release(...Object.values(l)); // xIn of layer 0 is x0, of layer i the previous xOut
}

// ---- backward -----------------------------------------------------------------------------

export function visionTowerBackward(
  ctx: GpuContext, dFeatures: GpuTensor, state: VisionTrainState, w: VisionWeights, grads: VisionWeights, c: VlmConfig,
  opts: { dPixels?: GpuTensor | null } = {},
): void {
  const where = `${FILE}:visionTowerBackward`;
  if (state.released) throw new VisionInputError(where, 'state was already released (one backward per forward)');
  const d = state.dims;
  const { M, R, D, I, T, Dt, s, L } = d;
  if (c.vision.hidden_size !== D || c.text.hidden_size !== Dt || w.layers.length !== state.layers.length) {
    throw new VisionInputError(where, `config/weights do not match the forward's (D ${D}, Dt ${Dt}, ${state.layers.length} layers)`);
  }
  if (dFeatures.size !== M * T * Dt) throw new VisionInputError(where, `dFeatures ${shapeStr(dFeatures)} should have shape [${M},${T},${Dt}]`);
  if (opts.dPixels && opts.dPixels.size !== M * d.C * d.S * d.S) {
    throw new VisionInputError(where, `dPixels ${shapeStr(opts.dPixels)} should have shape [${M},${d.C},${d.S},${d.S}]`);
  }
  const tmp: GpuTensor[] = [];
  const scratch = (shape: number[], label: string) => { const t = ctx.empty(shape, label); tmp.push(t); return t; };
  const zeroed = (t: GpuTensor) => (ctx.clear(t), t);
  try {
    const dF = ctx.view(dFeatures, 0, [M * T, Dt], 'vision.dFeatures');
    const dx = zeroed(scratch([R, D], 'vision.dx')); // gradient of the residual stream
    const dH = scratch([R, D], 'vision.dH'); // gradient of a LayerNorm output
    // connector → pixel shuffle⁻¹ → post LayerNorm
    const dShuf = zeroed(scratch([M * T, s * s * D], 'vision.dShuffled'));
    matmulBackward(ctx, { dA: dShuf, dB: grads.proj }, dF, state.shuffled, w.proj, { transB: true });
    zeroed(dH);
    pixelShuffleBackward(ctx, ctx.view(dH, 0, [M, L, D]), dShuf, { n: d.n, s });
    layerNormBackward(ctx, { dx, dWeight: grads.postW, dBias: grads.postB }, dH, state.xOut, w.postW, state.meanP, state.rstdP);
    const dA = scratch([R, D], 'vision.dAttn');
    const dq = scratch([R, D], 'vision.dq'), dk = scratch([R, D], 'vision.dk'), dv = scratch([R, D], 'vision.dv');
    const dF1 = scratch([R, I], 'vision.dFc1'), dF2 = scratch([R, I], 'vision.dGelu');
    for (let li = state.layers.length - 1; li >= 0; li--) {
      const t = state.layers[li], lw = w.layers[li], g = grads.layers[li];
      // MLP: xOut = xMid + fc2(gelu(fc1(LN2(xMid))))
      matmulBackward(ctx, { dA: zeroed(dF2), dB: g.fc2W }, dx, t.f2, lw.fc2W, { transB: true });
      addBiasBackward(ctx, { dx: null, dBias: g.fc2B }, dx);
      elementwiseBackward(ctx, 'gelu_tanh', [zeroed(dF1)], dF2, t.f1);
      matmulBackward(ctx, { dA: zeroed(dH), dB: g.fc1W }, dF1, t.h2, lw.fc1W, { transB: true });
      addBiasBackward(ctx, { dx: null, dBias: g.fc1B }, dF1);
      layerNormBackward(ctx, { dx, dWeight: g.ln2W, dBias: g.ln2B }, dH, t.xMid, lw.ln2W, t.mean2, t.rstd2);
      // attention: xMid = xIn + out_proj(attn(q, k, v)), q/k/v = LN1(xIn)·Wᵀ + b
      matmulBackward(ctx, { dA: zeroed(dA), dB: g.oW }, dx, t.a, lw.oW, { transB: true });
      addBiasBackward(ctx, { dx: null, dBias: g.oB }, dx);
      attentionBackward(ctx, { dq: heads(ctx, zeroed(dq), d), dk: heads(ctx, zeroed(dk), d), dv: heads(ctx, zeroed(dv), d) },
        heads(ctx, dA, d), heads(ctx, t.q, d), heads(ctx, t.k, d), heads(ctx, t.v, d), heads(ctx, t.a, d), t.lse, null,
        { causal: false, scale: 1 / Math.sqrt(d.hd) });
      zeroed(dH);
      for (const [dy, W, dW, dB] of [[dq, lw.qW, g.qW, g.qB], [dk, lw.kW, g.kW, g.kB], [dv, lw.vW, g.vW, g.vB]] as const) {
        matmulBackward(ctx, { dA: dH, dB: dW }, dy, t.h1, W, { transB: true });
        addBiasBackward(ctx, { dx: null, dBias: dB }, dy);
      }
      layerNormBackward(ctx, { dx, dWeight: g.ln1W, dBias: g.ln1B }, dH, t.xIn, lw.ln1W, t.mean1, t.rstd1);
    }
    // embeddings: x0 = cols·patchWᵀ + patchB + pos[l]
    addPositionBackward(ctx, grads.pos, dx);
    addBiasBackward(ctx, { dx: null, dBias: grads.patchB }, dx);
    const dCols = opts.dPixels ? zeroed(scratch([R, d.C * d.p * d.p], 'vision.dCols')) : null;
    matmulBackward(ctx, { dA: dCols, dB: grads.patchW }, dx, state.cols, w.patchW, { transB: true });
    if (dCols) im2colBackward(ctx, opts.dPixels!, dCols, { C: d.C, S: d.S, p: d.p });
  } finally {
    ctx.release(...tmp);
    releaseVisionTrainState(ctx, state);
  }
}
