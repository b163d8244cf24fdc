// GPU memory estimate for training (pure: the Model screen shows it before loading, scripts
// print it for the presets). What our engine keeps on the GPU during a VladVA step:
//
//   frozen     decoder weights in their stored precision (bf16/f16 packed: 2 bytes, f32: 4;
//              norm vectors always f32), a tied lm_head counted once; + the native vision tower
//              in f32 when it runs on our kernels (ONNX runs in onnxruntime-web, not counted)
//   trainable  LoRA A, B + two soft prompts, each ×4 in f32: param, grad, AdamW m and v
//   activations one replay chunk of `chunkSize` image sequences (image tokens + prompt + long
//              caption) and as many text sequences, every layer's saved tensors (or one
//              layer's with per-layer recompute) + one layer's backward temporaries
//   workspace  the chunked cross-entropy's logits [rows, chunk] + the GradCache embeddings
//
// Per token and layer the decoder saves (decoder.ts forward): a, hMid, m, h_next [H]; q, o [Hq·D];
// k, v [Hkv·D]; g, u, s [I]; the LoRA u's [r] per module; lse [Hq]; two rstd. The backward
// holds dh, da, dm [H], dO, dq [Hq·D], dk, dv [Hkv·D], ds, dg, du [I] for one layer at a time.
// An estimate, not a measurement: pool buckets add up to 12.5 %, the browser adds its own.

export type WeightDtype = 'f32' | 'bf16' | 'f16';

export interface MemoryModel {
  text: {
    hidden: number; intermediate: number; layers: number; heads: number; kvHeads: number; headDim: number;
    vocab: number; tied: boolean;
  };
  /** Native vision tower on our kernels (null: ONNX or features already cached). */
  vision?: { hidden: number; intermediate: number; layers: number; patchParams: number; positions: number; connectorIn: number } | null;
  /** Stored precision of the frozen decoder weights (config.json torch_dtype). */
  dtype: WeightDtype;
  tokensPerImage: number;
}

export interface MemoryPlan {
  batchSize: number;
  chunkSize: number;
  maxLongTokens: number;
  lora: { rank: number; modules: readonly string[] };
  /** 'recompute': per-layer activation recompute (only one layer's activations live). */
  activations?: 'keep' | 'recompute';
  /** Prompt tokens around the image / the text (chat template + instruction); default 32. */
  promptTokens?: number;
  /** Short-caption tokens (contrastive text side); default 32. */
  shortTokens?: number;
}

export interface MemoryLimits {
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  /** Total memory the device can give, when known (e.g. navigator.deviceMemory GiB); else null. */
  budgetBytes?: number | null;
}

export interface MemoryEstimate {
  frozenBytes: number;
  /** The same weights decoded to f32 (what the engine held before packed weights). */
  frozenF32Bytes: number;
  trainableBytes: number;
  activationBytes: number;
  workspaceBytes: number;
  totalBytes: number;
  /** Largest single tensor that cannot be split (an activation [rows, I] or a linear weight). */
  largestTensorBytes: number;
  largestTensor: string;
  /** Largest splittable one (embed table / lm_head, split in row chunks when too large). */
  embedTableBytes: number;
}

const BYTES: Record<WeightDtype, number> = { f32: 4, bf16: 2, f16: 2 };
const CE_LOGITS_FLOATS = 4 * 1024 * 1024; // cross_entropy.ts LOGITS_BUDGET

/** [out, in] of each decoder linear by LoRA module name. */
function linearShapes(t: MemoryModel['text']): Record<string, [number, number]> {
  const q = t.heads * t.headDim, kv = t.kvHeads * t.headDim, H = t.hidden, I = t.intermediate;
  return { q: [q, H], k: [kv, H], v: [kv, H], o: [H, q], gate: [I, H], up: [I, H], down: [H, I] };
}

export function estimateTrainingMemory(m: MemoryModel, p: MemoryPlan): MemoryEstimate {
  const t = m.text, H = t.hidden, I = t.intermediate, q = t.heads * t.headDim, kv = t.kvHeads * t.headDim;
  const shapes = linearShapes(t);
  const eb = BYTES[m.dtype];
  const linearParams = Object.values(shapes).reduce((s, [o, i]) => s + o * i, 0);
  const tableParams = t.vocab * H * (t.tied ? 1 : 2);
  const normParams = (2 * t.layers + 1) * H;
  const matParams = linearParams * t.layers + tableParams;
  let frozenBytes = matParams * eb + normParams * 4;
  let frozenF32Bytes = (matParams + normParams) * 4;
  if (m.vision) {
    const v = m.vision;
    const visionParams = v.layers * (4 * v.hidden * v.hidden + 2 * v.hidden * v.intermediate + 9 * v.hidden + v.intermediate)
      + v.patchParams + v.positions * v.hidden + 2 * v.hidden + H * v.connectorIn;
    frozenBytes += visionParams * 4; // the native tower keeps f32
    frozenF32Bytes += visionParams * 4;
  }

  const r = p.lora.rank;
  const mods = p.lora.modules.filter((x) => x in shapes);
  const loraParams = t.layers * mods.reduce((s, x) => s + r * (shapes[x][0] + shapes[x][1]), 0);
  const softParams = 2 * 16 * H; // two soft prompts of ≤ 16 vectors
  const trainableBytes = (loraParams + softParams) * 4 * 4;

  const prompt = p.promptTokens ?? 32, short = p.shortTokens ?? 32;
  const chunk = Math.min(p.chunkSize, p.batchSize);
  const imageRows = chunk * (m.tokensPerImage + prompt + p.maxLongTokens);
  const textRows = chunk * (prompt + short);
  const rows = imageRows + textRows;
  const perTokenLayer = 4 * H + 2 * q + 2 * kv + 3 * I + mods.length * r + t.heads + 2;
  const keptLayers = p.activations === 'recompute' ? 1 : t.layers;
  const residuals = p.activations === 'recompute' ? t.layers * H : 0;
  const backwardTemps = 3 * H + 2 * q + 2 * kv + 3 * I;
  const activationBytes = 4 * rows * (perTokenLayer * keptLayers + residuals + backwardTemps + 3 * H /* h0, normed, dNormed */);

  const longRows = chunk * p.maxLongTokens;
  const ceCols = Math.min(t.vocab, Math.max(64, Math.floor(CE_LOGITS_FLOATS / Math.max(1, longRows))));
  const workspaceBytes = 4 * (longRows * ceCols + 2 * p.batchSize * H + p.batchSize * p.batchSize);

  const candidates: [string, number][] = [
    [`activation [${rows} tokens, ${I}]`, 4 * rows * I],
    [`activation [${rows} tokens, ${q}]`, 4 * rows * q],
    ...Object.entries(shapes).map(([k, [o, i]]): [string, number] => [`${k}_proj weight [${o}, ${i}]`, o * i * eb]),
  ];
  const [largestTensor, largestTensorBytes] = candidates.reduce((a, b) => (b[1] > a[1] ? b : a));
  const totalBytes = frozenBytes + trainableBytes + activationBytes + workspaceBytes;
  return {
    frozenBytes, frozenF32Bytes, trainableBytes, activationBytes, workspaceBytes, totalBytes,
    largestTensorBytes, largestTensor, embedTableBytes: t.vocab * H * eb,
  };
}

export interface MemoryFit {
  fits: boolean;
  /** "needs ≈ 1.4 GB of GPU memory for training at batch 64; this adapter allows 2 GB per buffer" */
  summary: string;
  /** Why it cannot fit and what to change (null when it fits). */
  problem: string | null;
}

export function fmtGB(bytes: number): string {
  const gb = bytes / 1e9;
  return gb >= 10 ? `${gb.toFixed(0)} GB` : gb >= 0.1 ? `${gb.toFixed(1)} GB` : `${(bytes / 1e6).toFixed(0)} MB`;
}

/** Does the estimate fit the adapter? Refuses when a tensor that is never split exceeds the
 * binding limit, or the total exceeds a known memory budget. The embedding table / lm_head
 * are split in row chunks, so only the buffer-size limit applies to them. */
export function checkMemoryFit(e: MemoryEstimate, l: MemoryLimits, batch: number): MemoryFit {
  const allows = l.budgetBytes ? `${fmtGB(l.budgetBytes)} in all, ${fmtGB(l.maxStorageBufferBindingSize)} per buffer`
    : `${fmtGB(l.maxStorageBufferBindingSize)} per buffer (WebGPU does not report the total)`;
  const summary = `needs ≈ ${fmtGB(e.totalBytes)} of GPU memory for training at batch ${batch}; this adapter allows ${allows}`;
  let problem: string | null = null;
  if (e.largestTensorBytes > l.maxStorageBufferBindingSize) {
    problem = `the ${e.largestTensor} tensor needs ${fmtGB(e.largestTensorBytes)}, above this adapter's ${fmtGB(l.maxStorageBufferBindingSize)} `
      + `per-buffer limit (maxStorageBufferBindingSize): lower the chunk size or the long-caption length, or use a GPU with a larger limit.`;
  } else if (l.budgetBytes && e.totalBytes > l.budgetBytes) {
    problem = `training needs ≈ ${fmtGB(e.totalBytes)} but this device reports ${fmtGB(l.budgetBytes)}: lower the chunk size, `
      + `turn on activation recompute, or pick a smaller model.`;
  }
  return { fits: problem === null, summary, problem };
}

/** The estimate's model from a Hugging Face config.json (Idefics3 / SmolVLM), or null when
 * the file does not have the fields. Mirrors src/engine/model/config.ts (defaults included). */
export function memoryModelFromConfig(cfg: unknown): MemoryModel | null {
  const obj = (x: unknown): Record<string, unknown> | null => (x && typeof x === 'object' && !Array.isArray(x) ? (x as Record<string, unknown>) : null);
  const c = obj(cfg);
  const t = obj(c?.text_config), v = obj(c?.vision_config);
  if (!c || !t) return null;
  const num = (o: Record<string, unknown> | null, k: string, d: number) => (typeof o?.[k] === 'number' ? (o[k] as number) : d);
  const hidden = num(t, 'hidden_size', NaN), vocab = num(t, 'vocab_size', NaN);
  if (!Number.isFinite(hidden) || !Number.isFinite(vocab)) return null;
  const heads = num(t, 'num_attention_heads', 32);
  const tdt = String(c.torch_dtype ?? t.torch_dtype ?? 'float32');
  const dtype: WeightDtype = tdt === 'bfloat16' ? 'bf16' : tdt === 'float16' ? 'f16' : 'f32';
  const scale = num(c, 'scale_factor', 2);
  const side = num(v, 'image_size', 224) / num(v, 'patch_size', 32);
  const tied = c.tie_word_embeddings ?? t.tie_word_embeddings ?? false;
  return {
    text: {
      hidden, intermediate: num(t, 'intermediate_size', 4 * hidden), layers: num(t, 'num_hidden_layers', 1),
      heads, kvHeads: num(t, 'num_key_value_heads', heads), headDim: num(t, 'head_dim', Math.floor(hidden / heads)), vocab,
      tied: tied === true,
    },
    vision: null,
    dtype,
    tokensPerImage: Math.max(1, Math.round((side * side) / (scale * scale))),
  };
}
