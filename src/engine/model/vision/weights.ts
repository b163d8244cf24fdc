/**
 * The frozen vision tower + connector as named GPU tensors (llm.c ParameterTensors style).
 *
 * Public API:
 *   interface VisionLayerWeights, interface VisionWeights
 *   uploadVisionWeights(ctx, config, weights) → VisionWeights   (weights = loadWeights(…, { only: isVisionWeight }),
 *       or loadStoredWeights: then bf16/f16 linear weights — q/k/v/out, fc1, fc2, the patch
 *       embedding and the connector — stay packed on the GPU (kernels/packed, read by gemm);
 *       biases, norms and positions are decoded to f32)
 *   releaseVisionWeights(ctx, w)
 *
 * Shapes (D = vision hidden, I = vision intermediate, C·p·p = patch pixels, L = (S/p)²,
 * s = scale factor, Dt = text hidden). Linear weights keep PyTorch's [out, in] layout
 * (y = x·Wᵀ, matmul transB). The conv weight [D, C, p, p] is used as [D, C·p·p] unchanged:
 * im2col.wgsl orders its columns (ch, i, j) exactly like PyTorch's flattening.
 */
import type { GpuContext } from '../../gpu/context.ts';
import { halvesToF32, type GpuTensor } from '../../gpu/tensor.ts';
import type { VlmConfig } from '../config.ts';
import { MissingTensorError, ShapeMismatchError } from '../io/errors.ts';
import type { LoadedTensor, StoredTensor } from '../io/weights.ts';

export interface VisionLayerWeights {
  ln1W: GpuTensor; ln1B: GpuTensor; //           [D]
  qW: GpuTensor; qB: GpuTensor; //               [D, D], [D]
  kW: GpuTensor; kB: GpuTensor; //               [D, D], [D]
  vW: GpuTensor; vB: GpuTensor; //               [D, D], [D]
  oW: GpuTensor; oB: GpuTensor; //               [D, D], [D]   (self_attn.out_proj)
  ln2W: GpuTensor; ln2B: GpuTensor; //           [D]
  fc1W: GpuTensor; fc1B: GpuTensor; //           [I, D], [I]
  fc2W: GpuTensor; fc2B: GpuTensor; //           [D, I], [D]
}

export interface VisionWeights {
  patchW: GpuTensor; //  [D, C·p·p]
  patchB: GpuTensor; //  [D]
  pos: GpuTensor; //     [L, D]
  layers: VisionLayerWeights[];
  postW: GpuTensor; //   [D]
  postB: GpuTensor; //   [D]
  proj: GpuTensor; //    [Dt, s²·D]   (connector.modality_projection.proj, no bias)
}

type WeightMap = ReadonlyMap<string, LoadedTensor | StoredTensor>;

const SOURCE = 'vision weights';

export function uploadVisionWeights(ctx: GpuContext, c: VlmConfig, w: WeightMap): VisionWeights {
  const { hidden_size: D, intermediate_size: I, patch_size: p, image_size: S, num_channels: C } = c.vision;
  const L = (S / p) ** 2, s = c.scaleFactor, Dt = c.text.hidden_size;
  const uploaded: GpuTensor[] = [];
  // Shapes are checked against the config here as well: a map built by hand (tests, a
  // pretraining run) does not go through loadWeights' checks.
  const up = (name: string, shape: number[], packable = false): GpuTensor => {
    const t = w.get(name);
    if (!t) throw new MissingTensorError(SOURCE, name);
    const n = shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new ShapeMismatchError(SOURCE, name, shape, t.shape);
    const g = !(t.data instanceof Uint16Array) ? ctx.upload(t.data, shape, name)
      : 'dtype' in t && t.dtype !== 'f32' ? (packable ? ctx.uploadPacked(t.data, shape, name, t.dtype) : ctx.upload(halvesToF32(t.data, t.dtype), shape, name))
        : (() => { throw new Error(`${name}: halves without a dtype`); })();
    uploaded.push(g);
    return g;
  };
  try {
    const e = 'model.vision_model.embeddings.';
    const patchW = up(e + 'patch_embedding.weight', [D, C * p * p], true);
    const patchB = up(e + 'patch_embedding.bias', [D]);
    const pos = up(e + 'position_embedding.weight', [L, D]);
    const layers: VisionLayerWeights[] = [];
    for (let i = 0; i < c.vision.num_hidden_layers; i++) {
      const l = `model.vision_model.encoder.layers.${i}.`;
      const a = l + 'self_attn.';
      layers.push({
        ln1W: up(l + 'layer_norm1.weight', [D]), ln1B: up(l + 'layer_norm1.bias', [D]),
        qW: up(a + 'q_proj.weight', [D, D], true), qB: up(a + 'q_proj.bias', [D]),
        kW: up(a + 'k_proj.weight', [D, D], true), kB: up(a + 'k_proj.bias', [D]),
        vW: up(a + 'v_proj.weight', [D, D], true), vB: up(a + 'v_proj.bias', [D]),
        oW: up(a + 'out_proj.weight', [D, D], true), oB: up(a + 'out_proj.bias', [D]),
        ln2W: up(l + 'layer_norm2.weight', [D]), ln2B: up(l + 'layer_norm2.bias', [D]),
        fc1W: up(l + 'mlp.fc1.weight', [I, D], true), fc1B: up(l + 'mlp.fc1.bias', [I]),
        fc2W: up(l + 'mlp.fc2.weight', [D, I], true), fc2B: up(l + 'mlp.fc2.bias', [D]),
      });
    }
    return {
      patchW, patchB, pos, layers,
      postW: up('model.vision_model.post_layernorm.weight', [D]),
      postB: up('model.vision_model.post_layernorm.bias', [D]),
      proj: up('model.connector.modality_projection.proj.weight', [Dt, s * s * D], true),
    };
  } catch (err) {
    ctx.release(...uploaded);
    throw err;
  }
}

export function releaseVisionWeights(ctx: GpuContext, w: VisionWeights): void {
  ctx.release(w.patchW, w.patchB, w.pos, w.postW, w.postB, w.proj);
  for (const l of w.layers) ctx.release(...Object.values(l));
}
