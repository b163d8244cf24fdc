/**
 * Plain TypeScript CPU reference of the Idefics3 / SmolVLM vision side: SigLIP ViT +
 * pixel shuffle + connector projection. Float64 accumulation everywhere, float32 in/out.
 * Slow on purpose (loops you can read); it is the yardstick for the ONNX graph and for the
 * native WGSL vision tower.
 *
 * Public API:
 *   visionForwardRef(weights, config, pixels, numImages, mask?) → { hidden, features }
 *     weights  : Map<HF name, {shape, data}> (loadWeights output or the tiny writer's)
 *     pixels   : Float32Array [M, C, S, S]  (M = numImages, already rescaled + normalised)
 *     mask     : optional Uint8Array [M, S, S], 1 = real pixel (pixel_attention_mask)
 *     hidden   : Float32Array [M, L, Dv]   post_layernorm output, L = (S/p)^2
 *     features : Float32Array [M, L/s^2, Dt]  connector output (= ONNX image_features)
 * Semantics (transformers modeling_idefics3.py):
 *   patch Conv2d (stride p) → + position_embedding[l] (positions 0..L-1: full images only) →
 *   per layer: x += out_proj(attn(LN1(x)));  x += fc2(gelu_tanh(fc1(LN2(x))))
 *   attention bidirectional, with biases, scale 1/sqrt(head_dim); keys of patches with no
 *   real pixel are masked (patch_attention_mask = any pixel of the patch is real) →
 *   post_layernorm → pixel_shuffle(scale) → proj (no bias).
 * Trap: for padded images HF also re-buckets position ids; this reference (like the tiny ONNX
 * graph) keeps positions 0..L-1, which equals HF whenever the image fills the square.
 */
import type { VlmConfig } from '../config.ts';

type W = ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;

function get(w: W, name: string): Float32Array {
  const t = w.get(name);
  if (!t) throw new Error(`visionForwardRef: weight "${name}" missing`);
  return t.data;
}

function layerNorm(x: Float64Array, rows: number, d: number, g: Float32Array, b: Float32Array, eps: number): Float64Array {
  const y = new Float64Array(rows * d);
  for (let r = 0; r < rows; r++) {
    let mean = 0;
    for (let i = 0; i < d; i++) mean += x[r * d + i];
    mean /= d;
    let v = 0;
    for (let i = 0; i < d; i++) v += (x[r * d + i] - mean) ** 2;
    const inv = 1 / Math.sqrt(v / d + eps);
    for (let i = 0; i < d; i++) y[r * d + i] = (x[r * d + i] - mean) * inv * g[i] + b[i];
  }
  return y;
}

/** y[r, o] = sum_i x[r, i] * W[o, i] + bias[o]   (PyTorch Linear, W [out, in]) */
function linear(x: Float64Array, rows: number, din: number, wt: Float32Array, dout: number, bias?: Float32Array): Float64Array {
  const y = new Float64Array(rows * dout);
  for (let r = 0; r < rows; r++) {
    for (let o = 0; o < dout; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < din; i++) s += x[r * din + i] * wt[o * din + i];
      y[r * dout + o] = s;
    }
  }
  return y;
}

export function geluTanh(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

export function visionForwardRef(w: W, c: VlmConfig, pixels: Float32Array, numImages: number, mask?: Uint8Array) {
  const { hidden_size: D, patch_size: p, image_size: S, num_channels: C, num_attention_heads: H } = c.vision;
  const n = S / p, L = n * n, hd = D / H, s = c.scaleFactor, Dt = c.text.hidden_size;
  const T = L / (s * s), eps = c.vision.layer_norm_eps;
  if (pixels.length !== numImages * C * S * S) throw new RangeError(`pixels: expected ${numImages}x${C}x${S}x${S} values`);
  const hiddenOut = new Float32Array(numImages * L * D);
  const features = new Float32Array(numImages * T * Dt);
  const pw = get(w, 'model.vision_model.embeddings.patch_embedding.weight');
  const pb = get(w, 'model.vision_model.embeddings.patch_embedding.bias');
  const pos = get(w, 'model.vision_model.embeddings.position_embedding.weight');
  for (let m = 0; m < numImages; m++) {
    // 1. patch embedding + positions; patch validity from the pixel mask
    let x: Float64Array = new Float64Array(L * D);
    const valid = new Uint8Array(L).fill(1);
    for (let py = 0; py < n; py++) for (let px = 0; px < n; px++) {
      const l = py * n + px;
      if (mask) {
        let any = 0;
        for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) any |= mask[(m * S + py * p + i) * S + px * p + j];
        valid[l] = any ? 1 : 0;
      }
      for (let d = 0; d < D; d++) {
        let acc = pb[d];
        for (let ch = 0; ch < C; ch++) for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) {
          acc += pw[((d * C + ch) * p + i) * p + j] * pixels[((m * C + ch) * S + py * p + i) * S + px * p + j];
        }
        x[l * D + d] = acc + pos[l * D + d];
      }
    }
    // 2. encoder layers
    for (let li = 0; li < c.vision.num_hidden_layers; li++) {
      const pre = `model.vision_model.encoder.layers.${li}.`;
      const h1 = layerNorm(x, L, D, get(w, pre + 'layer_norm1.weight'), get(w, pre + 'layer_norm1.bias'), eps);
      const proj = (k: string, inp: Float64Array) =>
        linear(inp, L, D, get(w, pre + `self_attn.${k}.weight`), D, get(w, pre + `self_attn.${k}.bias`));
      const q = proj('q_proj', h1), k = proj('k_proj', h1), v = proj('v_proj', h1);
      const ctx = new Float64Array(L * D);
      const scores = new Float64Array(L);
      for (let h = 0; h < H; h++) for (let i = 0; i < L; i++) {
        let mx = -Infinity;
        for (let j = 0; j < L; j++) {
          if (!valid[j]) { scores[j] = -Infinity; continue; }
          let dot = 0;
          for (let e = 0; e < hd; e++) dot += q[i * D + h * hd + e] * k[j * D + h * hd + e];
          scores[j] = dot / Math.sqrt(hd);
          mx = Math.max(mx, scores[j]);
        }
        let sum = 0;
        for (let j = 0; j < L; j++) { scores[j] = valid[j] ? Math.exp(scores[j] - mx) : 0; sum += scores[j]; }
        for (let e = 0; e < hd; e++) {
          let acc = 0;
          for (let j = 0; j < L; j++) acc += scores[j] * v[j * D + h * hd + e];
          ctx[i * D + h * hd + e] = acc / sum;
        }
      }
      const attn = proj('out_proj', ctx);
      for (let i = 0; i < L * D; i++) x[i] += attn[i];
      const h2 = layerNorm(x, L, D, get(w, pre + 'layer_norm2.weight'), get(w, pre + 'layer_norm2.bias'), eps);
      const I = c.vision.intermediate_size;
      const f1 = linear(h2, L, D, get(w, pre + 'mlp.fc1.weight'), I, get(w, pre + 'mlp.fc1.bias'));
      for (let i = 0; i < f1.length; i++) f1[i] = geluTanh(f1[i]);
      const f2 = linear(f1, L, I, get(w, pre + 'mlp.fc2.weight'), D, get(w, pre + 'mlp.fc2.bias'));
      for (let i = 0; i < L * D; i++) x[i] += f2[i];
    }
    x = layerNorm(x, L, D, get(w, 'model.vision_model.post_layernorm.weight'), get(w, 'model.vision_model.post_layernorm.bias'), eps);
    hiddenOut.set(x, m * L * D);
    // 3. pixel shuffle: token t = h2*(n/s)+w2, feature (i*s + j)*D + ch = x[(h2*s+i)*n + w2*s+j][ch]
    const ns = n / s, Ds = D * s * s;
    const sh = new Float64Array(T * Ds);
    for (let h2 = 0; h2 < ns; h2++) for (let w2 = 0; w2 < ns; w2++) for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) {
      for (let ch = 0; ch < D; ch++) {
        sh[(h2 * ns + w2) * Ds + (i * s + j) * D + ch] = x[((h2 * s + i) * n + w2 * s + j) * D + ch];
      }
    }
    // 4. connector projection (Linear, no bias)
    const y = linear(sh, T, Ds, get(w, 'model.connector.modality_projection.proj.weight'), Dt);
    features.set(y, m * T * Dt);
  }
  return { hidden: hiddenOut, features };
}
