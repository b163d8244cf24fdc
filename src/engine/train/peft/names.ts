/**
 * Hugging Face PEFT names for the LoRA adapters of an Idefics3 / SmolVLM text decoder.
 *
 * Saved key (PEFT `get_peft_model_state_dict`, adapter name ".default" stripped):
 *   base_model.model.model.text_model.layers.{l}.self_attn.{q,k,v,o}_proj.lora_{A,B}.weight
 *   base_model.model.model.text_model.layers.{l}.mlp.{gate,up,down}_proj.lora_{A,B}.weight
 * The chain is PeftModel.base_model (LoraModel) .model (Idefics3ForConditionalGeneration)
 * .model (Idefics3Model) .text_model (the Llama decoder). lora_A.weight is [r, in],
 * lora_B.weight is [out, r] — the same layout as our Adapters record, no transpose.
 *
 * Public API: PEFT_PREFIX, peftProjName(m), peftKey(l, m, which), parsePeftKey(key),
 *             targetModulesRegex(modules), moduleFromProjName(name)
 */
import { LORA_MODULES, type LoraModule } from '../../model/decoder/types.ts';

export const PEFT_PREFIX = 'base_model.model.model.text_model.layers.';

const PARENT: Record<LoraModule, 'self_attn' | 'mlp'> = {
  q: 'self_attn', k: 'self_attn', v: 'self_attn', o: 'self_attn', gate: 'mlp', up: 'mlp', down: 'mlp',
};

export const peftProjName = (m: LoraModule): string => `${m}_proj`;

export function moduleFromProjName(name: string): LoraModule | null {
  const m = name.endsWith('_proj') ? name.slice(0, -5) : '';
  return (LORA_MODULES as readonly string[]).includes(m) ? (m as LoraModule) : null;
}

export function peftKey(layer: number, m: LoraModule, which: 'A' | 'B'): string {
  return `${PEFT_PREFIX}${layer}.${PARENT[m]}.${peftProjName(m)}.lora_${which}.weight`;
}

const KEY = /^base_model\.model\.model\.text_model\.layers\.(\d+)\.(self_attn|mlp)\.([a-z]+)_proj\.lora_(A|B)(?:\.default)?\.weight$/;

/** Parses a saved PEFT key of our decoder; null for anything else (vision tower, embeddings, …). */
export function parsePeftKey(key: string): { layer: number; module: LoraModule; which: 'A' | 'B' } | null {
  const r = KEY.exec(key);
  if (!r) return null;
  const m = moduleFromProjName(`${r[3]}_proj`);
  if (!m || PARENT[m] !== r[2]) return null;
  return { layer: Number(r[1]), module: m, which: r[4] as 'A' | 'B' };
}

/**
 * `target_modules` as a regex (PEFT applies re.fullmatch to the module name, e.g.
 * "model.text_model.layers.3.self_attn.q_proj"). A plain list ["q_proj", …] would also match the
 * SigLIP vision tower's q_proj/k_proj/v_proj and give it LoRA layers on load.
 */
export function targetModulesRegex(modules: readonly LoraModule[]): string {
  return `.*text_model\\.layers\\.\\d+\\.(self_attn|mlp)\\.(${modules.map(peftProjName).join('|')})`;
}
