/**
 * OnnxVisionEncoder: the model folder's `onnx/vision_encoder.onnx` (SigLIP + pixel shuffle +
 * connector, as exported for transformers.js) run by onnxruntime-web.
 *
 * Public API:
 *   OnnxVisionEncoder.fromFolder(folder, { config?, path?, executionProviders?, maxImagesPerRun? })
 *   enc.kind              'onnx-webgpu' | 'onnx-wasm' — the execution provider actually used
 *   enc.fallbackReasons   why earlier providers were skipped (e.g. no WebGPU adapter)
 *   enc.encode(pixels [n,C,S,S], n) → [n, T, Dt];  enc.dispose()
 *   class OnnxSignatureError, class OnnxSessionError  (both ModelFileError: they name the file)
 *
 * Graph contract (HF SmolVLM export): inputs `pixel_values` f32 [batch, images, C, S, S] and
 * optionally `pixel_attention_mask` bool [batch, images, S, S]; output `image_features`
 * f32 [batch·images, T, Dt]. We feed batch = 1, images = n and an all-true mask.
 * Execution providers are tried one at a time in order (default webgpu, then wasm), so the
 * provider in use is known rather than guessed; a provider that cannot start is recorded in
 * fallbackReasons. Quantised exports (q4/int8/fp16) load the same way through `path`.
 */
import type * as OrtNs from 'onnxruntime-web';
import { parseVlmConfig, type VlmConfig } from '../config.ts';
import { MissingFileError, ModelFileError } from '../io/errors.ts';
import type { ModelFolder } from '../io/folder.ts';
import { checkPixels, VisionEncoderDisposedError, type VisionEncoder } from './encoder.ts';
import { configureOrt, ortWarm } from './ort_env.ts';

const FILE = 'model/vision/onnx.ts';
export const DEFAULT_ONNX_PATH = 'onnx/vision_encoder.onnx';
const IN_PIXELS = 'pixel_values';
const IN_MASK = 'pixel_attention_mask';
const OUT = 'image_features';

export type OrtProvider = 'webgpu' | 'wasm';

export class OnnxSignatureError extends ModelFileError {
  override readonly name = 'OnnxSignatureError';
  constructor(file: string, detail: string) {
    super(file, `${file}: not a SmolVLM vision encoder graph: ${detail}`);
  }
}

export class OnnxSessionError extends ModelFileError {
  override readonly name = 'OnnxSessionError';
  constructor(file: string, detail: string) {
    super(file, `${file}: onnxruntime-web could not run the vision encoder: ${detail}`);
  }
}

export interface OnnxVisionOptions {
  config?: VlmConfig;
  path?: string;
  executionProviders?: OrtProvider[];
  /** Images per session.run (bounds activation memory of a real model); default 4. */
  maxImagesPerRun?: number;
}

const list = (names: readonly string[]) => (names.length ? names.map((n) => `"${n}"`).join(', ') : '(none)');

export class OnnxVisionEncoder implements VisionEncoder {
  readonly imageTokens: number;
  readonly textHidden: number;
  readonly imageSize: number;
  readonly channels: number;
  private session: OrtNs.InferenceSession | null;

  private constructor(
    private readonly ort: typeof OrtNs,
    session: OrtNs.InferenceSession,
    readonly config: VlmConfig,
    readonly file: string,
    readonly kind: 'onnx-webgpu' | 'onnx-wasm',
    readonly fallbackReasons: string[],
    private readonly hasMask: boolean,
    private readonly perRun: number,
  ) {
    this.session = session;
    this.imageTokens = config.imageTokensPerImage;
    this.textHidden = config.text.hidden_size;
    this.imageSize = config.vision.image_size;
    this.channels = config.vision.num_channels;
  }

  static async fromFolder(folder: ModelFolder, opts: OnnxVisionOptions = {}): Promise<OnnxVisionEncoder> {
    const path = opts.path ?? DEFAULT_ONNX_PATH;
    const file = `${folder.name.replace(/\/$/, '')}/${path}`;
    const config = opts.config ?? parseVlmConfig(await folder.readJson('config.json'), `${folder.name}/config.json`);
    if (!(await folder.exists(path))) {
      throw new MissingFileError(path, folder.name, 'the ONNX vision encoder; use the native vision tower for this model');
    }
    const src = folder.open(path);
    const bytes = await src.read(0, await src.size());
    // A dev server's SPA fallback answers a missing file with index.html (status 200); an ONNX
    // protobuf never starts with '<' (its first byte is a field tag, 0x08 for ir_version).
    if (bytes[0] === 0x3c) {
      throw new MissingFileError(path, folder.name, 'the server answered with an HTML page, not an ONNX file');
    }
    await ortWarm();
    const ort = configureOrt();
    const providers = opts.executionProviders ?? ['webgpu', 'wasm'];
    const reasons: string[] = [];
    for (const ep of providers) {
      let session: OrtNs.InferenceSession;
      try {
        session = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
      } catch (e) {
        reasons.push(`${ep}: ${(e as Error).message}`);
        continue;
      }
      try {
        checkSignature(file, session);
      } catch (e) {
        await session.release();
        throw e;
      }
      const hasMask = session.inputNames.includes(IN_MASK);
      const perRun = opts.maxImagesPerRun ?? 4;
      return new OnnxVisionEncoder(ort, session, config, file, ep === 'webgpu' ? 'onnx-webgpu' : 'onnx-wasm', reasons, hasMask, perRun);
    }
    throw new OnnxSessionError(file, `no execution provider could load it (${reasons.join('; ') || 'none requested'})`);
  }

  async encode(pixels: Float32Array, n: number): Promise<Float32Array> {
    const where = `${FILE}:encode`;
    if (!this.session) throw new VisionEncoderDisposedError(where);
    const S = checkPixels(where, pixels, n, this.config);
    const C = this.channels, T = this.imageTokens, Dt = this.textHidden;
    const out = new Float32Array(n * T * Dt);
    for (let m0 = 0; m0 < n; m0 += this.perRun) {
      const M = Math.min(this.perRun, n - m0);
      const feeds: Record<string, OrtNs.Tensor> = {
        [IN_PIXELS]: new this.ort.Tensor('float32', pixels.slice(m0 * C * S * S, (m0 + M) * C * S * S), [1, M, C, S, S]),
      };
      if (this.hasMask) feeds[IN_MASK] = new this.ort.Tensor('bool', new Uint8Array(M * S * S).fill(1), [1, M, S, S]);
      let result: OrtNs.InferenceSession.ReturnType;
      try {
        result = await this.session.run(feeds, [OUT]);
      } catch (e) {
        throw new OnnxSessionError(this.file, `session.run on ${M} image(s) of ${S}x${S} failed: ${(e as Error).message}`);
      }
      const t = result[OUT];
      const dims = [...t.dims];
      if (t.type !== 'float32' || dims.length !== 3 || dims[0] !== M || dims[1] !== T || dims[2] !== Dt) {
        for (const v of Object.values(result)) v.dispose();
        throw new OnnxSignatureError(this.file,
          `output "${OUT}" is ${t.type} [${dims.join(', ')}], expected float32 [${M}, ${T}, ${Dt}] ` +
          `(images, (image_size/patch_size)²/scale_factor², text hidden_size from config.json)`);
      }
      out.set((await t.getData()) as Float32Array, m0 * T * Dt);
      for (const v of Object.values(result)) v.dispose();
    }
    return out;
  }

  async dispose(): Promise<void> {
    const s = this.session;
    this.session = null;
    await s?.release();
  }
}

function checkSignature(file: string, s: OrtNs.InferenceSession): void {
  const ins = s.inputNames, outs = s.outputNames;
  const extra = ins.filter((n) => n !== IN_PIXELS && n !== IN_MASK);
  if (!ins.includes(IN_PIXELS) || extra.length) {
    throw new OnnxSignatureError(file,
      `inputs are ${list(ins)}; expected "${IN_PIXELS}" (float32 [batch, images, C, H, W]) and optionally "${IN_MASK}"`);
  }
  if (!outs.includes(OUT)) {
    throw new OnnxSignatureError(file, `outputs are ${list(outs)}; expected "${OUT}" (float32 [batch·images, tokens, text_hidden])`);
  }
}
