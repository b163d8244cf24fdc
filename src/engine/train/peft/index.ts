// PEFT export/import of LoRA adapters + soft prompts. See README.md in this folder for the files.
export { exportPeft, peftAdapterConfig, ADAPTER_CONFIG, ADAPTER_WEIGHTS, SOFT_PROMPTS, type PeftExportMeta } from './export.ts';
export { importPeft, type PeftImport } from './import.ts';
export { PeftFormatError } from './errors.ts';
export { peftKey, parsePeftKey, targetModulesRegex, PEFT_PREFIX } from './names.ts';
