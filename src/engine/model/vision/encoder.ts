/**
 * The vision side of Discern behind one interface: SigLIP ViT + pixel shuffle + connector,
 * i.e. pixels → the image tokens the decoder consumes. Two implementations:
 *   onnx.ts   — onnxruntime-web running the model folder's onnx/vision_encoder.onnx
 *               (what a real SmolVLM ships; webgpu EP first, wasm fallback);
 *   native.ts — our WGSL kernels through GpuContext, from the safetensors weights.
 * The tower is frozen in VladVA, so only a forward pass is offered.
 *
 * Public API:
 *   interface VisionEncoder { kind; imageTokens; textHidden; imageSize; channels;
 *                             encode(pixels, n); dispose() }
 *   checkPixels(where, pixels, n, config) — throws VisionInputError naming the mismatch
 *   class VisionInputError, class VisionEncoderDisposedError
 *
 * pixels: Float32Array [n, C, S, S], row-major, already rescaled + normalised
 * (preprocessor_config.json: rescale 1/255, mean/std), S = vision_config.image_size (the
 * global image of SmolVLM's processor with do_image_splitting=false).
 * Result: Float32Array [n, imageTokens, textHidden] = ONNX `image_features` for those images.
 * Trap: every image fills the square (no pixel_attention_mask padding); position ids are then
 * 0..L-1, which is what both paths and visionForwardRef assume.
 */
import type { VlmConfig } from '../config.ts';

export interface VisionEncoder {
  /** 'onnx-webgpu' | 'onnx-wasm' for onnxruntime-web (the EP actually used), 'native' for WGSL. */
  readonly kind: 'onnx-webgpu' | 'onnx-wasm' | 'native';
  /** (S/p)^2 / scale^2 tokens per image. */
  readonly imageTokens: number;
  readonly textHidden: number;
  readonly imageSize: number;
  readonly channels: number;
  /** pixels [n, C, S, S] → features [n, imageTokens, textHidden]. */
  encode(pixels: Float32Array, n: number): Promise<Float32Array>;
  /** Frees GPU buffers / the ORT session. encode() afterwards throws. */
  dispose(): Promise<void>;
}

export class VisionInputError extends Error {
  override readonly name = 'VisionInputError';
  constructor(where: string, detail: string) {
    super(`${where}: ${detail}`);
  }
}

export class VisionEncoderDisposedError extends Error {
  override readonly name = 'VisionEncoderDisposedError';
  constructor(where: string) {
    super(`${where}: encode() called after dispose()`);
  }
}

/** Validates n and the pixel buffer length against the config; returns S. */
export function checkPixels(where: string, pixels: Float32Array, n: number, c: VlmConfig): number {
  const S = c.vision.image_size, C = c.vision.num_channels;
  if (!Number.isInteger(n) || n < 0) throw new VisionInputError(where, `image count n=${n} must be a non-negative integer`);
  if (!(pixels instanceof Float32Array)) throw new VisionInputError(where, 'pixels must be a Float32Array [n, C, S, S]');
  if (pixels.length !== n * C * S * S) {
    throw new VisionInputError(where,
      `pixels has ${pixels.length} values, expected n·C·S·S = ${n}·${C}·${S}·${S} = ${n * C * S * S} ` +
      `(vision_config.image_size = ${S}; resize every image to exactly ${S}x${S})`);
  }
  return S;
}
