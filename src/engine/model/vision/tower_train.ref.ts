/**
 * CPU twin of tower_train.ts: the vision tower + connector forward (keeping activations) and
 * backward on Float64 host arrays, built from the kernels' own references (matmul, bias,
 * layernorm, attention, elementwise gelu_tanh) plus the three index maps below. Slow on purpose;
 * the yardstick for finite differences (tower_train.test.ts) and for the GPU (tower_train.gpu.test.ts).
 *
 * Public API:
 *   type HostVisionParams = VisionParams<Float64Array>   (same record as VisionWeights)
 *   hostVisionParams(c, get: name → data)  /  zerosVisionParams(c)
 *   visionTowerForwardTrainRef(w, c, pixels [M,C,S,S], M) → { features [M·T·Dt], state }
 *   visionTowerBackwardRef(dFeatures, state, w, grads, c) → dPixels  (grads accumulated)
 *   im2colRef / im2colBackwardRef, addPositionRef / addPositionBackwardRef,
 *   pixelShuffleRef / pixelShuffleBackwardRef: the data-movement ops (backward accumulates)
 */
import { attentionBackwardRef, attentionForwardRef, type AttentionRefOptions } from '../../kernels/attention/attention.ref.ts';
import { addBiasBackwardRef, addBiasForwardRef } from '../../kernels/elementwise/bias.ref.ts';
import { elementwiseBackwardRef, elementwiseForwardRef } from '../../kernels/elementwise/elementwise.ref.ts';
import { matmulBackwardRef, matmulRef } from '../../kernels/matmul/matmul.ref.ts';
import { layerNormBackwardRef, layerNormForwardRef } from '../../kernels/norm/layernorm.ref.ts';
import type { VlmConfig } from '../config.ts';
import { mapVisionParams, visionParamShapes, type VisionParams } from './tower_train.ts';

type Vec = Float32Array | Float64Array;
export type HostVisionParams = VisionParams<Float64Array>;

const f64 = (n: number) => new Float64Array(n);
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

export function hostVisionParams(c: VlmConfig, get: (name: string) => ArrayLike<number>): HostVisionParams {
  return mapVisionParams(visionParamShapes(c), (shape, name) => {
    const data = get(name);
    if (data.length !== numel(shape)) throw new RangeError(`hostVisionParams: ${name} has ${data.length} values, expected [${shape}]`);
    return Float64Array.from(data);
  });
}

export function zerosVisionParams(c: VlmConfig): HostVisionParams {
  return mapVisionParams(visionParamShapes(c), (shape) => f64(numel(shape)));
}

// ---- index maps (forward overwrites, backward accumulates) --------------------------------

/** cols[(m·L + py·n + px), (ch·p + i)·p + j] ↔ pixels[m, ch, py·p + i, px·p + j]; calls f(colIndex, pixelIndex). */
function im2colMap(M: number, C: number, S: number, p: number, f: (col: number, pix: number) => void): void {
  const n = S / p;
  let o = 0;
  for (let m = 0; m < M; m++) for (let py = 0; py < n; py++) for (let px = 0; px < n; px++)
    for (let ch = 0; ch < C; ch++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++)
      f(o++, ((m * C + ch) * S + py * p + i) * S + px * p + j);
}
export function im2colRef(cols: Vec, pixels: ArrayLike<number>, M: number, C: number, S: number, p: number): void {
  im2colMap(M, C, S, p, (col, pix) => { cols[col] = pixels[pix]; });
}
export function im2colBackwardRef(dPixels: Vec, dCols: Vec, M: number, C: number, S: number, p: number): void {
  im2colMap(M, C, S, p, (col, pix) => { dPixels[pix] += dCols[col]; });
}

export function addPositionRef(x: Vec, pos: Vec): void {
  for (let i = 0; i < x.length; i++) x[i] += pos[i % pos.length];
}
export function addPositionBackwardRef(dPos: Vec, dx: Vec): void {
  for (let i = 0; i < dx.length; i++) dPos[i % dPos.length] += dx[i];
}

/** out[m, h2·ns + w2, (i·s + j)·D + ch] ↔ x[m, (h2·s + i)·n + w2·s + j, ch]; calls f(outIndex, xIndex). */
function shuffleMap(M: number, n: number, s: number, D: number, f: (o: number, x: number) => void): void {
  const ns = n / s, T = ns * ns, Ds = s * s * D;
  for (let m = 0; m < M; m++) for (let h2 = 0; h2 < ns; h2++) for (let w2 = 0; w2 < ns; w2++)
    for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) for (let ch = 0; ch < D; ch++)
      f((m * T + h2 * ns + w2) * Ds + (i * s + j) * D + ch, (m * n * n + (h2 * s + i) * n + w2 * s + j) * D + ch);
}
export function pixelShuffleRef(out: Vec, x: Vec, M: number, n: number, s: number, D: number): void {
  shuffleMap(M, n, s, D, (o, i) => { out[o] = x[i]; });
}
export function pixelShuffleBackwardRef(dx: Vec, dOut: Vec, M: number, n: number, s: number, D: number): void {
  shuffleMap(M, n, s, D, (o, i) => { dx[i] += dOut[o]; });
}

// ---- linear = matmul (transB) + bias, on host arrays ---------------------------------------

function linear(y: Float64Array, x: Float64Array, W: Float64Array, b: Float64Array | null, rows: number, accumulate = false): void {
  const out = W.length / (x.length / rows), din = x.length / rows;
  matmulRef({ data: y, shape: [rows, out] }, { data: x, shape: [rows, din] }, { data: W, shape: [out, din] },
    { transB: true, beta: accumulate ? 1 : 0 });
  if (b) addBiasForwardRef(y, y, b);
}
function linearBackward(dx: Float64Array | null, dW: Float64Array, dB: Float64Array | null, dy: Float64Array, x: Float64Array, W: Float64Array, rows: number): void {
  const out = dy.length / rows, din = x.length / rows;
  matmulBackwardRef({ dA: dx, dB: dW }, dy, { data: x, shape: [rows, din] }, { data: W, shape: [out, din] }, { transB: true });
  if (dB) addBiasBackwardRef({ dx: null, dBias: dB }, dy, out);
}

// ---- forward + backward --------------------------------------------------------------------

interface LayerActsRef {
  xIn: Float64Array; h1: Float64Array; mean1: Float64Array; rstd1: Float64Array;
  q: Float64Array; k: Float64Array; v: Float64Array; a: Float64Array; lse: Float64Array;
  xMid: Float64Array; h2: Float64Array; mean2: Float64Array; rstd2: Float64Array; f1: Float64Array; f2: Float64Array;
}
export interface VisionTrainStateRef {
  M: number; cols: Float64Array; layers: LayerActsRef[];
  xOut: Float64Array; hPost: Float64Array; meanP: Float64Array; rstdP: Float64Array; shuffled: Float64Array;
}

function dims(c: VlmConfig, M: number) {
  const { hidden_size: D, patch_size: p, image_size: S, num_channels: C, num_attention_heads: H } = c.vision;
  const n = S / p, L = n * n, s = c.scaleFactor;
  const att: AttentionRefOptions = { B: M, T: L, S: L, Hq: H, Hkv: H, D: D / H, causal: false };
  return { D, p, S, C, H, n, L, R: M * L, s, T: L / (s * s), Dt: c.text.hidden_size, I: c.vision.intermediate_size, eps: c.vision.layer_norm_eps, att };
}

export function visionTowerForwardTrainRef(w: HostVisionParams, c: VlmConfig, pixels: ArrayLike<number>, M: number):
  { features: Float64Array; state: VisionTrainStateRef } {
  const d = dims(c, M);
  const { R, D, I, eps } = d;
  if (pixels.length !== M * d.C * d.S * d.S) throw new RangeError(`visionTowerForwardTrainRef: pixels should be [${M},${d.C},${d.S},${d.S}]`);
  const cols = f64(R * d.C * d.p * d.p);
  im2colRef(cols, pixels, M, d.C, d.S, d.p);
  let x = f64(R * D);
  linear(x, cols, w.patchW, w.patchB, R);
  addPositionRef(x, w.pos);
  const layers = w.layers.map((lw) => {
    const t: LayerActsRef = {
      xIn: x, h1: f64(R * D), mean1: f64(R), rstd1: f64(R), q: f64(R * D), k: f64(R * D), v: f64(R * D), a: f64(R * D),
      lse: f64(M * d.H * d.L), xMid: f64(R * D), h2: f64(R * D), mean2: f64(R), rstd2: f64(R), f1: f64(R * I), f2: f64(R * I),
    };
    layerNormForwardRef(t.h1, t.mean1, t.rstd1, x, lw.ln1W, lw.ln1B, { eps });
    linear(t.q, t.h1, lw.qW, lw.qB, R);
    linear(t.k, t.h1, lw.kW, lw.kB, R);
    linear(t.v, t.h1, lw.vW, lw.vB, R);
    attentionForwardRef(t.a, t.lse, t.q, t.k, t.v, null, d.att);
    t.xMid.set(x);
    linear(t.xMid, t.a, lw.oW, lw.oB, R, true);
    layerNormForwardRef(t.h2, t.mean2, t.rstd2, t.xMid, lw.ln2W, lw.ln2B, { eps });
    linear(t.f1, t.h2, lw.fc1W, lw.fc1B, R);
    elementwiseForwardRef('gelu_tanh', t.f2, t.f1);
    x = Float64Array.from(t.xMid);
    linear(x, t.f2, lw.fc2W, lw.fc2B, R, true);
    return t;
  });
  const hPost = f64(R * D), meanP = f64(R), rstdP = f64(R);
  layerNormForwardRef(hPost, meanP, rstdP, x, w.postW, w.postB, { eps });
  const shuffled = f64(R * D);
  pixelShuffleRef(shuffled, hPost, M, d.n, d.s, D);
  const features = f64(M * d.T * d.Dt);
  linear(features, shuffled, w.proj, null, M * d.T);
  return { features, state: { M, cols, layers, xOut: x, hPost, meanP, rstdP, shuffled } };
}

/** Accumulates into every slot of `grads`; returns the pixel gradient [M, C, S, S]. */
export function visionTowerBackwardRef(dFeatures: Vec, st: VisionTrainStateRef, w: HostVisionParams, grads: HostVisionParams, c: VlmConfig): Float64Array {
  const M = st.M;
  const d = dims(c, M);
  const { R, D, I } = d;
  const dF = Float64Array.from(dFeatures);
  const dx = f64(R * D);
  const dShuf = f64(R * D);
  linearBackward(dShuf, grads.proj, null, dF, st.shuffled, w.proj, M * d.T);
  let dH = f64(R * D);
  pixelShuffleBackwardRef(dH, dShuf, M, d.n, d.s, D);
  layerNormBackwardRef({ dx, dWeight: grads.postW, dBias: grads.postB }, dH, st.xOut, w.postW, st.meanP, st.rstdP);
  for (let li = st.layers.length - 1; li >= 0; li--) {
    const t = st.layers[li], lw = w.layers[li], g = grads.layers[li];
    const dF2 = f64(R * I), dF1 = f64(R * I);
    linearBackward(dF2, g.fc2W, g.fc2B, dx, t.f2, lw.fc2W, R);
    elementwiseBackwardRef('gelu_tanh', [dF1], dF2, t.f1);
    dH = f64(R * D);
    linearBackward(dH, g.fc1W, g.fc1B, dF1, t.h2, lw.fc1W, R);
    layerNormBackwardRef({ dx, dWeight: g.ln2W, dBias: g.ln2B }, dH, t.xMid, lw.ln2W, t.mean2, t.rstd2);
    const dA = f64(R * D), dq = f64(R * D), dk = f64(R * D), dv = f64(R * D);
    linearBackward(dA, g.oW, g.oB, dx, t.a, lw.oW, R);
    attentionBackwardRef({ dq, dk, dv }, dA, t.q, t.k, t.v, t.a, t.lse, null, d.att);
    dH = f64(R * D);
    linearBackward(dH, g.qW, g.qB, dq, t.h1, lw.qW, R);
    linearBackward(dH, g.kW, g.kB, dk, t.h1, lw.kW, R);
    linearBackward(dH, g.vW, g.vB, dv, t.h1, lw.vW, R);
    layerNormBackwardRef({ dx, dWeight: g.ln1W, dBias: g.ln1B }, dH, t.xIn, lw.ln1W, t.mean1, t.rstd1);
  }
  addPositionBackwardRef(grads.pos, dx);
  const dCols = f64(st.cols.length);
  linearBackward(dCols, grads.patchW, grads.patchB, dx, st.cols, w.patchW, R);
  const dPixels = f64(M * d.C * d.S * d.S);
  im2colBackwardRef(dPixels, dCols, M, d.C, d.S, d.p);
  return dPixels;
}
