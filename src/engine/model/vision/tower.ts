/**
 * The native SigLIP vision tower + Idefics3 connector as a readable GPU call list
 * (transformers modeling_idefics3.py; CPU twin: ../io/vision.ref.ts visionForwardRef).
 *
 * Public API:
 *   visionTowerForward(ctx, out: { features, hidden? }, pixels, weights, config)
 *     pixels   [M, C, S, S]   normalised, every image a full S×S square
 *     features [M, T, Dt]     connector output (= ONNX image_features), T = L/s²
 *     hidden   [M, L, D]      optional: post_layernorm output (for checks / pretraining)
 *
 * Per chunk of M images, R = M·L rows:
 *   im2col [R, C·p·p] → ·patchWᵀ + patchB → + pos[l]                       x [R, D]
 *   per layer:  h = LN1(x); q,k,v = h·Wᵀ + b; a = attention(q,k,v) (bidirectional, no mask);
 *               x += a·Woᵀ + bo;  h = LN2(x); f = gelu_tanh(h·W1ᵀ + b1); x += f·W2ᵀ + b2
 *   h = post_LN(x) → pixel_shuffle(s) [M, T, s²·D] → ·projᵀ (no bias)         [M·T, Dt]
 * The residual adds are fused into the GEMM epilogue (C = A·Bᵀ + bias + 1·C, matmul's beta),
 * which is exactly x + linear(·) and saves a pass over x per residual.
 * Inference forward: the tower is frozen in VladVA, so one scratch set is reused by every
 * layer. Training (pretraining, the CLIP baseline) uses tower_train.ts: the same call list
 * keeping every activation (visionTowerForwardTrain) and its backward (visionTowerBackward).
 */
import type { GpuContext } from '../../gpu/context.ts';
import { shapeStr, type GpuTensor } from '../../gpu/tensor.ts';
import { attentionForward } from '../../kernels/attention/attention.ts';
import { elementwiseForward } from '../../kernels/elementwise/elementwise.ts';
import { gemm, matmulDims } from '../../kernels/matmul/matmul.ts';
import { layerNormForward } from '../../kernels/norm/layernorm.ts';
import type { VlmConfig } from '../config.ts';
import { VisionInputError } from './encoder.ts';
import { addPositionForward, im2colForward, pixelShuffleForward } from './kernels.ts';
import type { VisionLayerWeights, VisionWeights } from './weights.ts';

const FILE = 'model/vision/tower.ts';

/** y [R, out] = x [R, in] · Wᵀ (+ bias) (+ y when accumulate) — an nn.Linear, W [out, in]. */
function linear(ctx: GpuContext, y: GpuTensor, x: GpuTensor, W: GpuTensor, bias: GpuTensor | null, accumulate: boolean, name: string): void {
  const d = matmulDims(y, x, W, false, true, `${FILE}:${name}`);
  gemm(ctx, y, x, W, d, { transB: true, bias, beta: accumulate ? 1 : 0, name });
}

interface Dims {
  M: number; L: number; D: number; H: number; hd: number; I: number; eps: number;
}

/** Scratch for one chunk, reused by every layer (forward only; see header for backward). */
interface LayerScratch {
  h: GpuTensor; //     [R, D]  normalised input of attention / MLP
  mean: GpuTensor; //  [R]
  rstd: GpuTensor; //  [R]
  q: GpuTensor; k: GpuTensor; v: GpuTensor; // [R, D] = [M, L, H, hd]
  a: GpuTensor; //     [R, D]  attention output
  lse: GpuTensor; //   [M, H, L]
  f1: GpuTensor; //    [R, I]  fc1 output (pre-activation)
  f2: GpuTensor; //    [R, I]  gelu_tanh(f1)
}

function encoderLayerForward(ctx: GpuContext, x: GpuTensor, s: LayerScratch, w: VisionLayerWeights, d: Dims, li: number): void {
  const { M, L, H, hd, eps } = d;
  const heads = (t: GpuTensor, tag: string) => ctx.view(t, 0, [M, L, H, hd], `${t.label}.${tag}`);
  const n = `vision_l${li}`;
  layerNormForward(ctx, s.h, s.mean, s.rstd, x, w.ln1W, w.ln1B, { eps });
  linear(ctx, s.q, s.h, w.qW, w.qB, false, `${n}_q_proj`);
  linear(ctx, s.k, s.h, w.kW, w.kB, false, `${n}_k_proj`);
  linear(ctx, s.v, s.h, w.vW, w.vB, false, `${n}_v_proj`);
  attentionForward(ctx, heads(s.a, 'heads'), s.lse, heads(s.q, 'heads'), heads(s.k, 'heads'), heads(s.v, 'heads'), null,
    { causal: false, scale: 1 / Math.sqrt(hd) });
  linear(ctx, x, s.a, w.oW, w.oB, true, `${n}_out_proj`); // x += out_proj(a)
  layerNormForward(ctx, s.h, s.mean, s.rstd, x, w.ln2W, w.ln2B, { eps });
  linear(ctx, s.f1, s.h, w.fc1W, w.fc1B, false, `${n}_fc1`);
  elementwiseForward(ctx, 'gelu_tanh', s.f2, s.f1);
  linear(ctx, x, s.f2, w.fc2W, w.fc2B, true, `${n}_fc2`); // x += fc2(gelu(fc1(h)))
}

export function visionTowerForward(
  ctx: GpuContext,
  out: { features: GpuTensor; hidden?: GpuTensor | null },
  pixels: GpuTensor,
  w: VisionWeights,
  c: VlmConfig,
): void {
  const where = `${FILE}:visionTowerForward`;
  const { hidden_size: D, patch_size: p, image_size: S, num_channels: C, num_attention_heads: H } = c.vision;
  const n = S / p, L = n * n, s = c.scaleFactor, T = L / (s * s), Dt = c.text.hidden_size;
  const img = C * S * S;
  if (pixels.size % img !== 0) throw new VisionInputError(where, `pixels ${shapeStr(pixels)} is not a whole number of [${C},${S},${S}] images`);
  const M = pixels.size / img, R = M * L;
  if (out.features.size !== M * T * Dt) {
    throw new VisionInputError(where, `features ${shapeStr(out.features)} should have shape [${M},${T},${Dt}]`);
  }
  if (out.hidden && out.hidden.size !== R * D) {
    throw new VisionInputError(where, `hidden ${shapeStr(out.hidden)} should have shape [${M},${L},${D}]`);
  }
  if (M === 0) return;
  const d: Dims = { M, L, D, H, hd: D / H, I: c.vision.intermediate_size, eps: c.vision.layer_norm_eps };

  // 1. patch embedding (conv as im2col + GEMM) + positions
  const cols = ctx.empty([R, C * p * p], 'vision.cols');
  im2colForward(ctx, cols, pixels, { C, S, p });
  const x = ctx.empty([R, D], 'vision.x'); // the residual stream
  linear(ctx, x, cols, w.patchW, w.patchB, false, 'vision_patch_embed');
  ctx.release(cols);
  addPositionForward(ctx, x, w.pos);

  // 2. encoder layers
  const sc: LayerScratch = {
    h: ctx.empty([R, D], 'vision.h'), mean: ctx.empty([R], 'vision.mean'), rstd: ctx.empty([R], 'vision.rstd'),
    q: ctx.empty([R, D], 'vision.q'), k: ctx.empty([R, D], 'vision.k'), v: ctx.empty([R, D], 'vision.v'),
    a: ctx.empty([R, D], 'vision.attn'), lse: ctx.empty([M, H, L], 'vision.lse'),
    f1: ctx.empty([R, d.I], 'vision.fc1'), f2: ctx.empty([R, d.I], 'vision.gelu'),
  };
  try {
    w.layers.forEach((lw, li) => encoderLayerForward(ctx, x, sc, lw, d, li));

    // 3. post LayerNorm → pixel shuffle → connector projection
    const h = out.hidden ? ctx.view(out.hidden, 0, [R, D], 'vision.hidden') : sc.h;
    layerNormForward(ctx, h, sc.mean, sc.rstd, x, w.postW, w.postB, { eps: d.eps });
    const shuffled = ctx.empty([M * T, s * s * D], 'vision.shuffled');
    pixelShuffleForward(ctx, shuffled, ctx.view(h, 0, [M, L, D]), { n, s });
    linear(ctx, ctx.view(out.features, 0, [M * T, Dt], 'vision.features'), shuffled, w.proj, null, false, 'vision_connector_proj');
    ctx.release(shuffled);
  } finally {
    ctx.release(x, ...Object.values(sc));
  }
}
