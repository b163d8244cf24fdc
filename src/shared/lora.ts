// The decoder linears LoRA can adapt, in canonical order (adapters, checkpoints and PEFT
// files list modules in this order). Shared by the engine (model/decoder/types.ts re-exports
// it) and the Train form's module checkboxes.
export const LORA_MODULES = ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] as const;
export type LoraModule = (typeof LORA_MODULES)[number];
