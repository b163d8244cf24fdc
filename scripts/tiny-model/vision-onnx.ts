/**
 * onnx/vision_encoder.onnx for an Idefics3 / SmolVLM config: SigLIP ViT + pixel shuffle +
 * connector projection, standard opset-17 ops only, same I/O names as the Hugging Face
 * SmolVLM export used by transformers.js:
 *   inputs  pixel_values          float32 [batch_size, num_images, 3, S, S]
 *           pixel_attention_mask  bool    [batch_size, num_images, S, S]   (1 = real pixel)
 *   output  image_features        float32 [batch_size*num_images, L/scale^2, text_hidden]
 *
 * Public API: buildVisionEncoderOnnx(config, weights: Map<HF name, {shape, data}>) → Uint8Array
 *
 * Graph (M = batch*num_images, n = S/p, L = n^2, D = vision hidden):
 *   Reshape pixels [M,3,S,S] → Conv(k=p, stride=p) [M,D,n,n] → Reshape [M,D,L] →
 *   Transpose [M,L,D] → Add position_embedding [L,D]
 *   key bias: Cast(mask) → Reshape [M,1,S,S] → MaxPool(p, stride p) [M,1,n,n] (a patch is real
 *   when any pixel is) → Reshape [M,1,1,L] → (m - 1) * 1e9
 *   per layer: LayerNormalization → MatMul(Transpose(W)) + b for q,k,v → Reshape [M,L,H,hd] →
 *   Transpose → scores = q·kᵀ * hd^-0.5 + key bias → Softmax(-1) → ·v → [M,L,D] → out_proj → +x;
 *   LayerNormalization → fc1 → gelu tanh (as Mul/Add/Tanh) → fc2 → +x
 *   post LayerNormalization → pixel shuffle (Reshape/Transpose exactly as
 *   Idefics3Connector.pixel_shuffle) → MatMul(Transpose(proj.weight)).
 * Initializers keep the Hugging Face names and PyTorch [out, in] layout; the Transpose nodes
 * on them are constant-folded by onnxruntime at session creation.
 * Trap: the image side must equal config image_size (the global image of SmolVLM's processor
 * with do_image_splitting=false is resized to exactly that square).
 */
import type { VlmConfig } from '../../src/engine/model/config.ts';
import { ELEM, OnnxGraph } from './onnx-builder.ts';

type W = ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>;

export function buildVisionEncoderOnnx(c: VlmConfig, w: W): Uint8Array {
  const { hidden_size: D, patch_size: p, image_size: S, num_attention_heads: H, } = c.vision;
  const n = S / p, L = n * n, hd = D / H, s = c.scaleFactor, Dt = c.text.hidden_size, eps = c.vision.layer_norm_eps;
  const g = new OnnxGraph('idefics3_vision_encoder');
  const init = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`buildVisionEncoderOnnx: weight "${name}" missing`);
    return g.initF32(name, t.shape, t.data);
  };
  const shape = (name: string, v: number[]) => g.initI64(name, v);
  const scalar = (name: string, v: number) => g.initF32(name, [], [v]);

  const pv = g.input('pixel_values', ELEM.FLOAT, ['batch_size', 'num_images', c.vision.num_channels, 'height', 'width']);
  const pm = g.input('pixel_attention_mask', ELEM.BOOL, ['batch_size', 'num_images', 'height', 'width']);

  // Embeddings -------------------------------------------------------------------------------
  const px = g.op('Reshape', [pv, shape('shape_pixels', [-1, c.vision.num_channels, S, S])]);
  const conv = g.op('Conv', [px, init('model.vision_model.embeddings.patch_embedding.weight'),
    init('model.vision_model.embeddings.patch_embedding.bias')], { kernel_shape: [p, p], strides: [p, p] });
  const flat = g.op('Reshape', [conv, shape('shape_md_l', [0, D, L])]);
  let x = g.op('Add', [g.op('Transpose', [flat], { perm: [0, 2, 1] }),
    init('model.vision_model.embeddings.position_embedding.weight')]);

  // Key mask bias [M,1,1,L]: 0 for real patches, -1e9 for padding -----------------------------
  const mf = g.op('Reshape', [g.op('Cast', [pm], { to: ELEM.FLOAT }), shape('shape_mask', [-1, 1, S, S])]);
  const mp = g.op('MaxPool', [mf], { kernel_shape: [p, p], strides: [p, p] });
  const mrow = g.op('Reshape', [mp, shape('shape_mask_row', [0, 1, 1, L])]);
  const keyBias = g.op('Mul', [g.op('Sub', [mrow, scalar('one', 1)]), scalar('big', 1e9)]);

  const one = 'one';
  const headsShape = shape('shape_heads', [0, 0, H, hd]);
  const mergeShape = shape('shape_merge', [0, 0, D]);
  const linear = (inp: string, wName: string, bName?: string) => {
    const y = g.op('MatMul', [inp, g.op('Transpose', [init(wName)], { perm: [1, 0] })]);
    return bName ? g.op('Add', [y, init(bName)]) : y;
  };
  const ln = (inp: string, pre: string) =>
    g.op('LayerNormalization', [inp, init(pre + '.weight'), init(pre + '.bias')], { axis: -1, epsilon: eps });

  for (let li = 0; li < c.vision.num_hidden_layers; li++) {
    const pre = `model.vision_model.encoder.layers.${li}.`;
    const h1 = ln(x, pre + 'layer_norm1');
    const proj = (k: string, inp: string) => linear(inp, pre + `self_attn.${k}.weight`, pre + `self_attn.${k}.bias`);
    const q = g.op('Transpose', [g.op('Reshape', [proj('q_proj', h1), headsShape])], { perm: [0, 2, 1, 3] }); // [M,H,L,hd]
    const kT = g.op('Transpose', [g.op('Reshape', [proj('k_proj', h1), headsShape])], { perm: [0, 2, 3, 1] }); // [M,H,hd,L]
    const v = g.op('Transpose', [g.op('Reshape', [proj('v_proj', h1), headsShape])], { perm: [0, 2, 1, 3] });
    const scores = g.op('Add', [g.op('Mul', [g.op('MatMul', [q, kT]), scalar(`scale_${li}`, 1 / Math.sqrt(hd))]), keyBias]);
    const probs = g.op('Softmax', [scores], { axis: -1 });
    const ctx = g.op('Reshape', [g.op('Transpose', [g.op('MatMul', [probs, v])], { perm: [0, 2, 1, 3] }), mergeShape]);
    x = g.op('Add', [x, proj('out_proj', ctx)]);
    const h2 = ln(x, pre + 'layer_norm2');
    const f1 = linear(h2, pre + 'mlp.fc1.weight', pre + 'mlp.fc1.bias');
    // gelu_pytorch_tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
    const cube = g.op('Mul', [g.op('Mul', [f1, f1]), f1]);
    const inner = g.op('Mul', [g.op('Add', [f1, g.op('Mul', [cube, scalar(`c044715_${li}`, 0.044715)])]),
      scalar(`sqrt2pi_${li}`, Math.sqrt(2 / Math.PI))]);
    const gelu = g.op('Mul', [g.op('Mul', [f1, scalar(`half_${li}`, 0.5)]), g.op('Add', [g.op('Tanh', [inner]), one])]);
    x = g.op('Add', [x, linear(gelu, pre + 'mlp.fc2.weight', pre + 'mlp.fc2.bias')]);
  }
  x = ln(x, 'model.vision_model.post_layernorm');

  // Pixel shuffle, op for op as Idefics3Connector.pixel_shuffle --------------------------------
  let y = g.op('Reshape', [x, shape('shape_ps1', [0, n, n / s, D * s])]);
  y = g.op('Transpose', [y], { perm: [0, 2, 1, 3] });
  y = g.op('Reshape', [y, shape('shape_ps2', [0, n / s, n / s, D * s * s])]);
  y = g.op('Transpose', [y], { perm: [0, 2, 1, 3] });
  y = g.op('Reshape', [y, shape('shape_ps3', [0, L / (s * s), D * s * s])]);
  const feats = linear(y, 'model.connector.modality_projection.proj.weight');
  g.node('Identity', [feats], {}, ['image_features']);
  g.output('image_features', ELEM.FLOAT, ['batch_size_x_num_images', L / (s * s), Dt]);
  return g.encode({ opset: 17, producer: 'discern tiny-model writer',
    doc: `Idefics3 vision encoder + connector, image ${S}, patch ${p}, scale ${s}` });
}
