/**
 * NativeVisionEncoder: the vision tower on our WGSL kernels (tower.ts), weights from the
 * model folder's safetensors. Used for models without ONNX files, as the parity check of the
 * ONNX path, and (with a backward added to tower.ts) for pretraining the tiny model.
 *
 * Public API:
 *   NativeVisionEncoder.fromFolder(ctx, folder, { config?, maxImagesPerChunk?, onProgress? })
 *   NativeVisionEncoder.fromWeights(ctx, config, weights, { maxImagesPerChunk? })
 *   enc.encode(pixels [n,C,S,S], n) → Float32Array [n, T, Dt]
 *   enc.encodeDetailed(pixels, n) → { features [n,T,Dt], hidden [n,L,D] (post_layernorm) }
 *   enc.encodeGpu(pixels: GpuTensor [n,C,S,S]) → GpuTensor [n,T,Dt]  (caller releases; stays on GPU)
 *   enc.dispose()
 * Images are processed in chunks of `maxImagesPerChunk` (default: as many as keep the
 * largest activation, fc1 [chunk·L, I], under 64 MiB, at most 8) to bound GPU memory.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { parseVlmConfig, type VlmConfig } from '../config.ts';
import type { LoadProgress, ModelFolder } from '../io/folder.ts';
import { isVisionWeight, loadStoredWeights, type LoadedTensor, type StoredTensor } from '../io/weights.ts';
import { checkPixels, VisionEncoderDisposedError, VisionInputError, type VisionEncoder } from './encoder.ts';
import { visionTowerForward } from './tower.ts';
import { releaseVisionWeights, uploadVisionWeights, type VisionWeights } from './weights.ts';

const FILE = 'model/vision/native.ts';

export interface NativeVisionOptions {
  maxImagesPerChunk?: number;
}

export class NativeVisionEncoder implements VisionEncoder {
  readonly kind = 'native' as const;
  readonly imageTokens: number;
  readonly textHidden: number;
  readonly imageSize: number;
  readonly channels: number;
  readonly chunk: number;
  private weights: VisionWeights | null;

  private constructor(readonly ctx: GpuContext, readonly config: VlmConfig, weights: VisionWeights, opts: NativeVisionOptions) {
    this.weights = weights;
    this.imageTokens = config.imageTokensPerImage;
    this.textHidden = config.text.hidden_size;
    this.imageSize = config.vision.image_size;
    this.channels = config.vision.num_channels;
    const L = (config.vision.image_size / config.vision.patch_size) ** 2;
    const perImage = L * Math.max(config.vision.intermediate_size, config.vision.num_channels * config.vision.patch_size ** 2) * 4;
    const auto = Math.max(1, Math.min(8, Math.floor((64 << 20) / perImage)));
    const want = opts.maxImagesPerChunk ?? auto;
    if (!Number.isInteger(want) || want < 1) throw new VisionInputError(FILE, `maxImagesPerChunk must be a positive integer, got ${want}`);
    this.chunk = want;
  }

  static fromWeights(ctx: GpuContext, config: VlmConfig, weights: ReadonlyMap<string, LoadedTensor | StoredTensor>, opts: NativeVisionOptions = {}): NativeVisionEncoder {
    return new NativeVisionEncoder(ctx, config, uploadVisionWeights(ctx, config, weights), opts);
  }

  /** Reads config.json (unless given) and the vision + connector tensors of the checkpoint. */
  static async fromFolder(
    ctx: GpuContext,
    folder: ModelFolder,
    opts: NativeVisionOptions & { config?: VlmConfig; onProgress?: LoadProgress } = {},
  ): Promise<NativeVisionEncoder> {
    const config = opts.config ?? parseVlmConfig(await folder.readJson('config.json'), `${folder.name}/config.json`);
    const weights = await loadStoredWeights(folder, config, { // bf16/f16 linears stay packed
      only: isVisionWeight,
      onProgress: opts.onProgress,
      maxBufferBytes: ctx.caps.limits.maxStorageBufferBindingSize,
    });
    return NativeVisionEncoder.fromWeights(ctx, config, weights, opts);
  }

  private live(where: string): VisionWeights {
    if (!this.weights) throw new VisionEncoderDisposedError(`${FILE}:${where}`);
    return this.weights;
  }

  /** Features of n images, kept on the GPU: [n, T, Dt]. The caller releases it. */
  encodeGpu(pixels: GpuTensor): GpuTensor {
    const w = this.live('encodeGpu');
    const { num_channels: C, image_size: S } = this.config.vision;
    const n = pixels.size / (C * S * S);
    if (!Number.isInteger(n)) throw new VisionInputError(`${FILE}:encodeGpu`, `pixels ${pixels.label} has ${pixels.size} values, not a whole number of [${C},${S},${S}] images`);
    const out = this.ctx.empty([n, this.imageTokens, this.textHidden], 'vision.features');
    try {
      visionTowerForward(this.ctx, { features: out }, pixels, w, this.config);
    } catch (e) {
      this.ctx.release(out);
      throw e;
    }
    return out;
  }

  encode(pixels: Float32Array, n: number): Promise<Float32Array> {
    return this.run('encode', pixels, n, false).then((r) => r.features);
  }

  /** encode() plus the post_layernorm hidden states [n, L, D] (checks against the reference). */
  encodeDetailed(pixels: Float32Array, n: number): Promise<{ features: Float32Array; hidden: Float32Array }> {
    return this.run('encodeDetailed', pixels, n, true) as Promise<{ features: Float32Array; hidden: Float32Array }>;
  }

  private async run(where: string, pixels: Float32Array, n: number, withHidden: boolean) {
    const w = this.live(where);
    const c = this.config, ctx = this.ctx;
    const S = checkPixels(`${FILE}:${where}`, pixels, n, c);
    const C = c.vision.num_channels, D = c.vision.hidden_size;
    const L = (S / c.vision.patch_size) ** 2, T = this.imageTokens, Dt = this.textHidden;
    const features = new Float32Array(n * T * Dt);
    const hidden = withHidden ? new Float32Array(n * L * D) : null;
    for (let m0 = 0; m0 < n; m0 += this.chunk) {
      const M = Math.min(this.chunk, n - m0);
      const px = ctx.upload(pixels.subarray(m0 * C * S * S, (m0 + M) * C * S * S), [M, C, S, S], 'vision.pixels');
      const f = ctx.empty([M, T, Dt], 'vision.features');
      const h = hidden ? ctx.empty([M, L, D], 'vision.hidden') : null;
      try {
        visionTowerForward(ctx, { features: f, hidden: h }, px, w, c);
        features.set(await ctx.read(f), m0 * T * Dt);
        if (hidden && h) hidden.set(await ctx.read(h), m0 * L * D);
      } finally {
        ctx.release(px, f, h);
      }
    }
    return { features, hidden };
  }

  async dispose(): Promise<void> {
    if (!this.weights) return;
    releaseVisionWeights(this.ctx, this.weights);
    this.weights = null;
  }
}
