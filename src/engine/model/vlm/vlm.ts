// Vlm: a SmolVLM-family model on the GPU as an embedding model (E5-V / VladVA style).
//
//  * decoder weights (frozen) uploaded from a Hugging Face folder in their stored precision:
//    bf16/f16 matrices (linears, embed_tokens, lm_head) stay packed on the GPU (kernels/packed,
//    widened inside the kernels), f32 files stay f32; norm vectors are always f32 (tiny);
//    `frozenPrecision: 'f32'` decodes everything to f32 instead; tied lm_head handled;
//  * LoRA adapters (trainable) and two soft prompts (trainable) — soft-prompt vectors replace
//    the embeddings of the hand-written instruction tokens of the image and text prompts and
//    start as exactly those embeddings, so an untrained model equals zero-shot prompting;
//  * embeddings = final-norm hidden state of the summary (last prompt) token, L2-normalised.
//
// The decoder's `extra` tensor (rows that replace token embeddings) is laid out as
//   [0, Pi)            image soft prompt
//   [Pi, Pi+Pt)        text soft prompt
//   [Pi+Pt, …)         image features, image-major (n·tokensPerImage rows)
// so the gradient of `extra` starts with the soft prompts' gradients.
import type { GpuContext } from '../../gpu/context.ts';
import { uploadRows } from '../../gpu/split.ts';
import { halvesToF32, storageBytes, type GpuTensor, type PackedDtype } from '../../gpu/tensor.ts';
import { embeddingForward } from '../../kernels/embedding/embedding.ts';
import { l2NormalizeForward } from '../../kernels/loss/l2norm.ts';
import { parseVlmConfig, type VlmConfig } from '../config.ts';
import { Decoder, type ForwardState } from '../decoder/decoder.ts';
import { GpuOps } from '../decoder/gpu_ops.ts';
import type { Adapters, DecoderDims, DecoderWeights } from '../decoder/types.ts';
import type { LoadProgress, ModelFolder } from '../io/folder.ts';
import { loadTokenizer, type VlmTokenizer } from '../io/tokenizer.ts';
import { isVisionWeight, loadStoredWeights, type StoredTensor } from '../io/weights.ts';
import { buildImagePrompt, buildTextPrompt, DEFAULT_IMAGE_PROMPT, DEFAULT_TEXT_PROMPT, loadChatTemplate, type BuiltPrompt } from '../prompt.ts';
import { DEFAULT_LORA, initLoraHost, uploadAdapters, type LoraSettings } from './adapters.ts';
import { packSequences, type PackedBatch, type Sequence } from './batch.ts';

export interface VlmLoadOptions {
  lora?: LoraSettings | null;
  imagePrompt?: string;
  textPrompt?: string;
  seed?: number;
  onProgress?: LoadProgress;
  /** 'stored' (default): bf16/f16 frozen matrices stay packed on the GPU; 'f32': decoded. */
  frozenPrecision?: 'stored' | 'f32';
  /** embed_tokens / lm_head above this many bytes are split in row parts (gpu/split.ts);
   * default the device's binding limit (tests force a small one). */
  splitBytes?: number;
}

const TABLES = new Set(['model.text_model.embed_tokens.weight', 'lm_head.weight']);

export function decoderDims(c: VlmConfig): DecoderDims {
  const t = c.text;
  return {
    hidden: t.hidden_size, intermediate: t.intermediate_size, layers: t.num_hidden_layers,
    heads: t.num_attention_heads, kvHeads: t.num_key_value_heads, headDim: t.head_dim,
    vocab: t.vocab_size, ropeTheta: t.rope_theta, rmsEps: t.rms_norm_eps,
  };
}

/** f32 values of a stored tensor (decoded when it holds halves). */
function storedF32(t: StoredTensor): Float32Array {
  return t.dtype === 'f32' ? t.data : halvesToF32(t.data, t.dtype);
}

function uploadDecoder(
  ctx: GpuContext, w: Map<string, StoredTensor>, c: VlmConfig, precision: 'stored' | 'f32', splitBytes: number,
): DecoderWeights<GpuTensor> {
  const up = (name: string) => {
    const t = w.get(name);
    if (!t) throw new Error(`decoder weight ${name} was not loaded`);
    const packed = t.dtype !== 'f32' && precision === 'stored' && t.shape.length === 2;
    if (TABLES.has(name)) return packed ? uploadRows(ctx, t.data as Uint16Array, t.shape, name, t.dtype as PackedDtype, splitBytes) : uploadRows(ctx, storedF32(t), t.shape, name, 'f32', splitBytes);
    if (packed) return ctx.uploadPacked(t.data as Uint16Array, t.shape, name, t.dtype as PackedDtype);
    return ctx.upload(storedF32(t), t.shape, name);
  };
  const p = 'model.text_model.';
  const embed = up(`${p}embed_tokens.weight`);
  const layers = [];
  for (let l = 0; l < c.text.num_hidden_layers; l++) {
    const L = `${p}layers.${l}.`;
    layers.push({
      inputNorm: up(`${L}input_layernorm.weight`), postNorm: up(`${L}post_attention_layernorm.weight`),
      q: up(`${L}self_attn.q_proj.weight`), k: up(`${L}self_attn.k_proj.weight`),
      v: up(`${L}self_attn.v_proj.weight`), o: up(`${L}self_attn.o_proj.weight`),
      gate: up(`${L}mlp.gate_proj.weight`), up: up(`${L}mlp.up_proj.weight`), down: up(`${L}mlp.down_proj.weight`),
    });
  }
  const lmHead = c.text.tie_word_embeddings ? embed : up('lm_head.weight');
  return { embed, layers, finalNorm: up(`${p}norm.weight`), lmHead };
}

export class Vlm {
  readonly dims: DecoderDims;
  readonly ops: GpuOps;
  /** When false the adapters are bypassed (base model), e.g. to compare base vs tuned. */
  useAdapters = true;
  readonly imagePrompt: BuiltPrompt;

  private constructor(
    readonly ctx: GpuContext,
    readonly config: VlmConfig,
    readonly tokenizer: VlmTokenizer,
    readonly chatTemplate: string,
    readonly weights: DecoderWeights<GpuTensor>,
    public adapters: Adapters<GpuTensor> | null,
    /** [Pi,H] and [Pt,H]: trainable soft prompts. */
    readonly softPrompts: { image: GpuTensor; text: GpuTensor },
    readonly templates: { image: string; text: string },
  ) {
    this.dims = decoderDims(config);
    this.ops = new GpuOps(ctx);
    this.imagePrompt = buildImagePrompt(this.promptContext(), templates.image);
  }

  static async load(ctx: GpuContext, folder: ModelFolder, opts: VlmLoadOptions = {}): Promise<Vlm> {
    const config = parseVlmConfig(await folder.readJson('config.json'));
    const tokenizer = await loadTokenizer(folder);
    const chatTemplate = await loadChatTemplate(folder, tokenizer);
    const precision = opts.frozenPrecision ?? 'stored';
    const w = await loadStoredWeights(folder, config, {
      only: (n) => !isVisionWeight(n),
      maxBufferBytes: ctx.bindingLimit, // stored bytes (a decoded f32 copy is checked by ctx.empty)
      splittable: (n) => TABLES.has(n),
      onProgress: opts.onProgress,
    });
    const weights = uploadDecoder(ctx, w, config, precision, Math.min(opts.splitBytes ?? Infinity, ctx.bindingLimit));
    const dims = decoderDims(config);
    const lora = opts.lora === undefined ? DEFAULT_LORA : opts.lora;
    const adapters = lora ? uploadAdapters(ctx, initLoraHost(dims, lora, opts.seed ?? 0), dims) : null;
    const templates = { image: opts.imagePrompt ?? DEFAULT_IMAGE_PROMPT, text: opts.textPrompt ?? DEFAULT_TEXT_PROMPT };
    const pctx = { tokenizer, config, chatTemplate };
    const embedRows = (p: BuiltPrompt, label: string) => {
      const table = w.get('model.text_model.embed_tokens.weight')!;
      const H = dims.hidden;
      const out = new Float32Array(p.promptPositions.length * H);
      p.promptPositions.forEach((pos, j) => {
        const [a, b] = [p.ids[pos] * H, (p.ids[pos] + 1) * H];
        out.set(table.dtype === 'f32' ? table.data.subarray(a, b) : halvesToF32(table.data.subarray(a, b), table.dtype), j * H);
      });
      if (p.promptPositions.length === 0) throw new Error(`the ${label} prompt template has no instruction tokens for a soft prompt`);
      return ctx.upload(out, [p.promptPositions.length, H], `softPrompt.${label}`);
    };
    const softPrompts = {
      image: embedRows(buildImagePrompt(pctx, templates.image), 'image'),
      text: embedRows(buildTextPrompt(pctx, 'a photo', templates.text), 'text'),
    };
    return new Vlm(ctx, config, tokenizer, chatTemplate, weights, adapters, softPrompts, templates);
  }

  promptContext() {
    return { tokenizer: this.tokenizer, config: this.config, chatTemplate: this.chatTemplate };
  }

  get tokensPerImage(): number {
    return this.config.imageTokensPerImage;
  }

  decoder(): Decoder<GpuTensor> {
    return new Decoder(this.ops, this.dims, this.weights, this.useAdapters ? this.adapters : null);
  }

  // ---- sequences -----------------------------------------------------------------------

  private softRows(p: BuiltPrompt, first: number, count: number, src: number[]): void {
    // Align at the end: the instruction's last tokens always map to the last soft vectors
    // (a BPE merge across the sentence boundary may shorten the instruction by a token).
    const pos = p.promptPositions.slice(-count);
    const off = count - pos.length;
    pos.forEach((t, j) => (src[t] = first + off + j));
  }

  /** The image prompt for image `i` of a batch (its features at extra rows base + i·tokens). */
  imageSequence(i: number, extraImageBase: number): Sequence {
    const p = this.imagePrompt;
    const src = new Array<number>(p.ids.length).fill(-1);
    p.imagePositions.forEach((t, k) => (src[t] = extraImageBase + i * this.tokensPerImage + k));
    if (this.useAdapters) this.softRows(p, 0, this.softPrompts.image.shape[0], src);
    return { ids: [...p.ids], src, summaryIndex: p.lastIndex };
  }

  /** Built text prompts by sentence: rendering the chat template and locating the pieces
   * costs ~2 ms per sentence, and training re-embeds the same captions every epoch. */
  private textPrompts = new Map<string, BuiltPrompt>();

  private textPrompt(sentence: string): BuiltPrompt {
    let p = this.textPrompts.get(sentence);
    if (!p) {
      p = buildTextPrompt(this.promptContext(), sentence, this.templates.text);
      if (this.textPrompts.size >= 50_000) this.textPrompts.clear();
      this.textPrompts.set(sentence, p);
    }
    return p;
  }

  textSequence(sentence: string): Sequence {
    const p = this.textPrompt(sentence);
    const src = new Array<number>(p.ids.length).fill(-1);
    if (this.useAdapters) this.softRows(p, this.softPrompts.image.shape[0], this.softPrompts.text.shape[0], src);
    return { ids: [...p.ids], src, summaryIndex: p.lastIndex };
  }

  /** extra = [image SP; text SP; images [first, first+count) of features].
   * features: [n, tokensPerImage, H] (or [n·tokens, H]) or null. */
  buildExtra(features: GpuTensor | null, first = 0, count?: number): GpuTensor {
    const H = this.dims.hidden;
    const perImage = this.tokensPerImage * H;
    const n = features ? (count ?? features.size / perImage - first) : 0;
    const { image, text } = this.softPrompts;
    const extra = this.ctx.empty([image.shape[0] + text.shape[0] + n * this.tokensPerImage, H], 'extra');
    this.ctx.copyRange(image, 0, extra, 0, image.size);
    this.ctx.copyRange(text, 0, extra, image.size, text.size);
    if (features) this.ctx.copyRange(features, first * perImage, extra, image.size + text.size, n * perImage);
    return extra;
  }

  get extraImageBase(): number {
    return this.softPrompts.image.shape[0] + this.softPrompts.text.shape[0];
  }

  pack(seqs: Sequence[]): PackedBatch {
    return packSequences(seqs, this.tokenizer.padId ?? this.tokenizer.eosId ?? 0);
  }

  /** A captioning prompt for one image whose features sit at extra rows [extraImageBase…). */
  captionSequence(instruction = 'Describe this image.'): Sequence {
    const p = buildImagePrompt(this.promptContext(), `<image>\n${instruction}`);
    const src = new Array<number>(p.ids.length).fill(-1);
    p.imagePositions.forEach((t, k) => (src[t] = this.extraImageBase + k));
    return { ids: p.ids, src, summaryIndex: p.lastIndex };
  }

  // ---- embeddings ----------------------------------------------------------------------

  /** Gather the summary rows of a forward state and L2-normalise: [B,H]. */
  summaryEmbeddings(st: ForwardState<GpuTensor>, batch: PackedBatch, label: string): { emb: GpuTensor; raw: GpuTensor; norm: GpuTensor } {
    const B = batch.batch;
    const H = this.dims.hidden;
    const raw = this.ctx.empty([B, H], `${label}.raw`);
    embeddingForward(this.ctx, raw, batch.summaryRows, st.normed);
    const emb = this.ctx.empty([B, H], label);
    const norm = this.ctx.empty([B], `${label}.norm`);
    l2NormalizeForward(this.ctx, emb, norm, raw);
    return { emb, raw, norm };
  }

  private embedSequences(seqs: Sequence[], features: GpuTensor | null, label: string): GpuTensor {
    const batch = this.pack(seqs);
    const extra = this.buildExtra(features);
    const dec = this.decoder();
    const st = dec.forward(batch, extra, { keepActivations: false });
    const { emb, raw, norm } = this.summaryEmbeddings(st, batch, label);
    dec.release(st);
    this.ctx.release(extra, raw, norm);
    this.ops.releaseInputs();
    return emb;
  }

  /** features: [n, tokensPerImage, H] from the vision encoder → [n,H] unit vectors. */
  embedImages(features: GpuTensor, n: number): GpuTensor {
    const expected = n * this.tokensPerImage * this.dims.hidden;
    if (features.size !== expected) throw new Error(`embedImages: features ${features.label}[${features.shape}] should hold ${n}×${this.tokensPerImage}×${this.dims.hidden} values`);
    const seqs = Array.from({ length: n }, (_, i) => this.imageSequence(i, this.extraImageBase));
    return this.embedSequences(seqs, features, 'imageEmbeddings');
  }

  embedTexts(texts: string[]): GpuTensor {
    return this.embedSequences(texts.map((t) => this.textSequence(t)), null, 'textEmbeddings');
  }

  /** The frozen decoder tensors, each once (a tied lm_head is the embed tensor). */
  frozenTensors(): GpuTensor[] {
    const w = this.weights;
    const tensors = [w.embed, w.finalNorm, ...w.layers.flatMap((L) => Object.values(L))];
    if (w.lmHead !== w.embed) tensors.push(w.lmHead);
    return tensors;
  }

  /** GPU memory of the frozen decoder weights: `bytes` the tensors' own, `pooled` the pool
   * buffers holding them (bucketed sizes, what the pool's accounting counts). */
  frozenBytes(): { bytes: number; pooled: number } {
    let bytes = 0, pooled = 0;
    for (const t of this.frozenTensors()) {
      bytes += storageBytes(t.size, t.dtype);
      for (const p of t.parts ?? [t]) pooled += p.buffer.size;
    }
    return { bytes, pooled };
  }

  dispose(): void {
    this.ctx.release(...this.frozenTensors(), this.softPrompts.image, this.softPrompts.text);
    for (const rec of this.adapters?.layers ?? []) for (const p of Object.values(rec)) this.ctx.release(p!.A, p!.B);
  }
}
