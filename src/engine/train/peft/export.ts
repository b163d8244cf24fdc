/**
 * Export trained adapters as a Hugging Face PEFT folder (loadable with
 * `PeftModel.from_pretrained(Idefics3ForConditionalGeneration.from_pretrained(base), folder)`),
 * plus the soft prompts and temperature in a documented side file (see README.md here).
 *
 * Public API:
 *   exportPeft(adapters, softPrompts | null, meta) → Map<filename, Uint8Array>
 *     adapter_config.json          PEFT LoraConfig (peft_type LORA, r, lora_alpha, target_modules …)
 *     adapter_model.safetensors    F32 lora_A / lora_B under PEFT key names (names.ts)
 *     soft_prompts.safetensors     image_soft_prompt [P_img,H], text_soft_prompt [P_txt,H], log_tau [1]
 *   interface PeftExportMeta
 * Trap: adapter_config.json carries only LoraConfig fields that PEFT has accepted since 0.10,
 * so older PEFT releases (which reject unknown keys) can still read it; omitted newer fields
 * (lora_bias, eva_config, exclude_modules, …) default to what we mean anyway.
 */
import type { Adapters } from '../../model/decoder/types.ts';
import { writeSafetensors, type TensorToWrite } from '../../model/io/safetensors.ts';
import type { SoftPrompts } from '../checkpoint/types.ts';
import { PeftFormatError } from './errors.ts';
import { peftKey, peftProjName, targetModulesRegex } from './names.ts';

export const ADAPTER_CONFIG = 'adapter_config.json';
export const ADAPTER_WEIGHTS = 'adapter_model.safetensors';
export const SOFT_PROMPTS = 'soft_prompts.safetensors';
export const SOFT_PROMPTS_FORMAT = 'discern-soft-prompts';

export interface PeftExportMeta {
  /** base_model_name_or_path, e.g. "HuggingFaceTB/SmolVLM-256M-Instruct". */
  baseModel: string;
  /** Hand-written prompt templates the soft prompts replace (E5-V style). */
  imagePrompt: string;
  textPrompt: string;
  /** log of the contrastive temperature; omitted when null/undefined. */
  logTau?: number | null;
  /** Default "CAUSAL_LM". */
  taskType?: 'CAUSAL_LM' | null;
  /** Default 'regex' (text decoder only); 'list' gives ["q_proj", …] (also matches the vision tower!). */
  targetModules?: 'regex' | 'list';
}

export function peftAdapterConfig(adapters: Adapters<unknown>, meta: PeftExportMeta): Record<string, unknown> {
  return {
    alpha_pattern: {},
    auto_mapping: null,
    base_model_name_or_path: meta.baseModel,
    bias: 'none',
    fan_in_fan_out: false,
    inference_mode: true,
    init_lora_weights: true,
    layer_replication: null,
    layers_pattern: null,
    layers_to_transform: null,
    loftq_config: {},
    lora_alpha: adapters.alpha,
    lora_dropout: 0.0,
    megatron_config: null,
    megatron_core: 'megatron.core',
    modules_to_save: null,
    peft_type: 'LORA',
    r: adapters.rank,
    rank_pattern: {},
    revision: null,
    target_modules: (meta.targetModules ?? 'regex') === 'regex'
      ? targetModulesRegex(adapters.modules)
      : adapters.modules.map(peftProjName),
    task_type: meta.taskType === undefined ? 'CAUSAL_LM' : meta.taskType,
    use_dora: false,
    use_rslora: false,
  };
}

export function exportPeft(
  adapters: Adapters<Float32Array>, softPrompts: SoftPrompts | null, meta: PeftExportMeta,
): Map<string, Uint8Array> {
  const r = adapters.rank;
  const tensors: Record<string, TensorToWrite> = {};
  adapters.layers.forEach((layer, l) => {
    for (const m of adapters.modules) {
      const pair = layer[m];
      if (!pair) throw new PeftFormatError(ADAPTER_WEIGHTS, peftKey(l, m, 'A'), `adapters.layers[${l}] has no "${m}" pair to export`);
      for (const [which, a] of [['A', pair.A], ['B', pair.B]] as const) {
        if (a.length % r || !a.length) {
          throw new PeftFormatError(ADAPTER_WEIGHTS, peftKey(l, m, which), `${a.length} values is not a positive multiple of rank ${r}`);
        }
      }
      tensors[peftKey(l, m, 'A')] = { dtype: 'F32', shape: [r, pair.A.length / r], data: pair.A };
      tensors[peftKey(l, m, 'B')] = { dtype: 'F32', shape: [pair.B.length / r, r], data: pair.B };
    }
  });
  const files = new Map<string, Uint8Array>();
  const json = JSON.stringify(peftAdapterConfig(adapters, meta), null, 2) + '\n';
  files.set(ADAPTER_CONFIG, new TextEncoder().encode(json));
  files.set(ADAPTER_WEIGHTS, writeSafetensors(tensors, { format: 'pt' }));
  if (softPrompts) files.set(SOFT_PROMPTS, exportSoftPrompts(softPrompts, meta));
  return files;
}

function exportSoftPrompts(sp: SoftPrompts, meta: PeftExportMeta): Uint8Array {
  const H = sp.hidden;
  const tensors: Record<string, TensorToWrite> = {};
  for (const [name, a] of [['image_soft_prompt', sp.image], ['text_soft_prompt', sp.text]] as const) {
    if (!Number.isInteger(H) || H < 1 || a.length % H || !a.length) {
      throw new PeftFormatError(SOFT_PROMPTS, name, `${a.length} values is not a positive multiple of hidden ${H}`);
    }
    tensors[name] = { dtype: 'F32', shape: [a.length / H, H], data: a };
  }
  const metadata: Record<string, string> = {
    format: 'pt',
    discern_format: SOFT_PROMPTS_FORMAT,
    version: '1',
    base_model: meta.baseModel,
    hidden_size: String(H),
    image_prompt: meta.imagePrompt,
    text_prompt: meta.textPrompt,
    placement:
      'Each row replaces, in order, the input embedding of one token of the tokenised prompt template ' +
      '(image_prompt for images, text_prompt for texts); the embedding is the final-norm hidden state of the last token.',
  };
  if (meta.logTau !== null && meta.logTau !== undefined) {
    if (!Number.isFinite(meta.logTau)) throw new PeftFormatError(SOFT_PROMPTS, 'log_tau', `must be finite, got ${meta.logTau}`);
    tensors.log_tau = { dtype: 'F32', shape: [1], data: Float32Array.of(meta.logTau) };
    metadata.log_tau = String(meta.logTau); // exact float64; the tensor is f32 for PyTorch users
  }
  return writeSafetensors(tensors, metadata);
}
