/**
 * Import a Hugging Face PEFT LoRA folder (ours or one trained with PEFT in PyTorch) for the
 * Idefics3 text decoder, plus our optional soft_prompts.safetensors.
 *
 * Public API:
 *   importPeft(files: ModelFolder | Map<name, bytes>, { dims?, }) → Promise<PeftImport>
 *   interface PeftImport { adapters, softPrompts | null, logTau | null, meta }
 * Checks (PeftFormatError naming file and tensor): peft_type LORA; no DoRA / rsLoRA /
 * fan_in_fan_out / rank_pattern / alpha_pattern / bias; every key a decoder LoRA key; every
 * layer has every module; lora_A [r, in] and lora_B [out, r] with r = config r ("rank
 * mismatch"); with `dims`, layer count, in/out and soft-prompt width equal the base model's
 * ("wrong base model dims"). F16/BF16 weights are widened to F32.
 */
import { LORA_MODULES, linearShape, type Adapters, type DecoderDims, type LoraModule } from '../../model/decoder/types.ts';
import { ModelFileError } from '../../model/io/errors.ts';
import { folderFromMap, type ModelFolder } from '../../model/io/folder.ts';
import { SafetensorsFile } from '../../model/io/safetensors.ts';
import type { SoftPrompts } from '../checkpoint/types.ts';
import { PeftFormatError } from './errors.ts';
import { ADAPTER_CONFIG, ADAPTER_WEIGHTS, SOFT_PROMPTS, SOFT_PROMPTS_FORMAT } from './export.ts';
import { moduleFromProjName, parsePeftKey, peftKey } from './names.ts';

export interface PeftImport {
  adapters: Adapters<Float32Array>;
  softPrompts: SoftPrompts | null;
  logTau: number | null;
  meta: { baseModel: string | null; imagePrompt: string | null; textPrompt: string | null; config: Record<string, unknown> };
}

type Json = Record<string, unknown>;

function checkConfig(cfg: Json): { rank: number; alpha: number; listed: LoraModule[] | null } {
  const bad = (field: string, d: string) => new PeftFormatError(ADAPTER_CONFIG, null, `"${field}" ${d}`);
  if (cfg.peft_type !== 'LORA') throw bad('peft_type', `is ${JSON.stringify(cfg.peft_type)}; only "LORA" adapters can be imported`);
  const r = cfg.r;
  if (typeof r !== 'number' || !Number.isInteger(r) || r < 1) throw bad('r', `must be a positive integer, got ${JSON.stringify(r)}`);
  const alpha = cfg.lora_alpha ?? 8; // PEFT's default
  if (typeof alpha !== 'number' || !Number.isFinite(alpha)) throw bad('lora_alpha', `must be a number, got ${JSON.stringify(alpha)}`);
  if (cfg.use_dora) throw bad('use_dora', 'is true; DoRA adapters (magnitude vectors) are not supported');
  if (cfg.use_rslora) throw bad('use_rslora', 'is true; rank-stabilised scaling alpha/√r is not supported (we scale by alpha/r)');
  if (cfg.fan_in_fan_out) throw bad('fan_in_fan_out', 'is true; transposed (Conv1D) weights are not supported');
  for (const k of ['rank_pattern', 'alpha_pattern'] as const) {
    const p = cfg[k];
    if (p && typeof p === 'object' && Object.keys(p).length) throw bad(k, 'is not empty; per-module ranks/alphas are not supported');
  }
  if (cfg.bias !== undefined && cfg.bias !== 'none') throw bad('bias', `is ${JSON.stringify(cfg.bias)}; only "none" is supported`);
  let listed: LoraModule[] | null = null;
  if (Array.isArray(cfg.target_modules)) {
    listed = cfg.target_modules.map((n) => moduleFromProjName(String(n))).filter((m): m is LoraModule => m !== null);
  }
  return { rank: r, alpha, listed };
}

async function readJsonConfig(folder: ModelFolder): Promise<Json> {
  if (!(await folder.exists(ADAPTER_CONFIG))) {
    throw new PeftFormatError(ADAPTER_CONFIG, null, `missing from ${folder.name}; a PEFT adapter folder needs ${ADAPTER_CONFIG} and ${ADAPTER_WEIGHTS}`);
  }
  let cfg: unknown;
  try {
    cfg = await folder.readJson(ADAPTER_CONFIG);
  } catch (e) {
    throw new PeftFormatError(ADAPTER_CONFIG, null, (e as Error).message);
  }
  if (!cfg || typeof cfg !== 'object' || Array.isArray(cfg)) throw new PeftFormatError(ADAPTER_CONFIG, null, 'is not a JSON object');
  return cfg as Json;
}

async function openSafetensors(folder: ModelFolder, file: string): Promise<SafetensorsFile> {
  try {
    return await SafetensorsFile.open(folder.open(file));
  } catch (e) {
    if (e instanceof ModelFileError) throw new PeftFormatError(file, null, e.message);
    throw e;
  }
}

async function readTensor(f: SafetensorsFile, file: string, name: string): Promise<Float32Array> {
  try {
    return await f.readF32(name);
  } catch (e) {
    if (e instanceof ModelFileError) throw new PeftFormatError(file, name, e.message);
    throw e;
  }
}

export async function importPeft(
  files: ModelFolder | Map<string, Uint8Array>, opts: { dims?: DecoderDims } = {},
): Promise<PeftImport> {
  const folder = files instanceof Map ? folderFromMap('PEFT adapter', files) : files;
  const cfg = await readJsonConfig(folder);
  const { rank, alpha, listed } = checkConfig(cfg);
  if (!(await folder.exists(ADAPTER_WEIGHTS))) {
    const bin = await folder.exists('adapter_model.bin');
    throw new PeftFormatError(ADAPTER_WEIGHTS, null, `missing from ${folder.name}` +
      (bin ? ' (found adapter_model.bin: pickled PyTorch weights cannot be read here; re-save with safe_serialization=True)' : ''));
  }
  const f = await openSafetensors(folder, ADAPTER_WEIGHTS);

  // Which (layer, module) pairs exist; anything else in the file is an error.
  const found = new Map<string, { layer: number; module: LoraModule; which: 'A' | 'B' }>();
  for (const name of f.names()) {
    const k = parsePeftKey(name);
    if (!k) {
      throw new PeftFormatError(ADAPTER_WEIGHTS, name, 'is not a LoRA weight of the text decoder; expected ' +
        'base_model.model.model.text_model.layers.N.{self_attn.{q,k,v,o},mlp.{gate,up,down}}_proj.lora_{A,B}.weight');
    }
    found.set(name, k);
  }
  if (!found.size) throw new PeftFormatError(ADAPTER_WEIGHTS, null, 'holds no LoRA tensors');
  const present = new Set([...found.values()].map((k) => k.module));
  for (const m of listed ?? []) present.add(m); // listed in target_modules ⇒ must have tensors
  const modules = LORA_MODULES.filter((m) => present.has(m));
  const nLayers = Math.max(...[...found.values()].map((k) => k.layer)) + 1;
  if (opts.dims && nLayers !== opts.dims.layers) {
    throw new PeftFormatError(ADAPTER_WEIGHTS, null, `wrong base model dims: the adapter covers ${nLayers} decoder layers, the model has ${opts.dims.layers}`);
  }

  const layers: Adapters<Float32Array>['layers'] = [];
  const seen = new Map<LoraModule, [number, number]>(); // module → [out, in] of layer 0 (consistency without dims)
  for (let l = 0; l < nLayers; l++) {
    const layer: Adapters<Float32Array>['layers'][number] = {};
    for (const m of modules) {
      const ka = peftKey(l, m, 'A'), kb = peftKey(l, m, 'B');
      const nameA = found.has(ka) ? ka : found.has(ka.replace('.weight', '.default.weight')) ? ka.replace('.weight', '.default.weight') : null;
      const nameB = found.has(kb) ? kb : found.has(kb.replace('.weight', '.default.weight')) ? kb.replace('.weight', '.default.weight') : null;
      if (!nameA || !nameB) throw new PeftFormatError(ADAPTER_WEIGHTS, nameA ? kb : ka, `missing (every layer needs lora_A and lora_B for ${modules.map((x) => x + '_proj').join(', ')})`);
      const sa = f.info(nameA).shape, sb = f.info(nameB).shape;
      if (sa.length !== 2 || sb.length !== 2) throw new PeftFormatError(ADAPTER_WEIGHTS, sa.length !== 2 ? nameA : nameB, 'must be 2-D');
      if (sa[0] !== rank) throw new PeftFormatError(ADAPTER_WEIGHTS, nameA, `rank mismatch: shape [${sa}] but adapter_config.json r = ${rank} (expected [${rank}, in])`);
      if (sb[1] !== rank) throw new PeftFormatError(ADAPTER_WEIGHTS, nameB, `rank mismatch: shape [${sb}] but adapter_config.json r = ${rank} (expected [out, ${rank}])`);
      const outIn: [number, number] = [sb[0], sa[1]];
      const want = opts.dims ? linearShape(opts.dims, m) : (seen.get(m) ?? outIn);
      if (outIn[0] !== want[0] || outIn[1] !== want[1]) {
        throw new PeftFormatError(ADAPTER_WEIGHTS, outIn[1] !== want[1] ? nameA : nameB,
          `wrong base model dims: ${m}_proj is [out ${outIn[0]}, in ${outIn[1]}] here but [out ${want[0]}, in ${want[1]}] in ${opts.dims ? 'the base model' : 'layer 0'}`);
      }
      seen.set(m, outIn);
      layer[m] = { A: await readTensor(f, ADAPTER_WEIGHTS, nameA), B: await readTensor(f, ADAPTER_WEIGHTS, nameB) };
    }
    layers.push(layer);
  }

  const sp = (await folder.exists(SOFT_PROMPTS)) ? await importSoftPrompts(folder, opts.dims) : null;
  return {
    adapters: { rank, alpha, modules, layers },
    softPrompts: sp?.softPrompts ?? null,
    logTau: sp?.logTau ?? null,
    meta: {
      baseModel: typeof cfg.base_model_name_or_path === 'string' ? cfg.base_model_name_or_path : null,
      imagePrompt: sp?.imagePrompt ?? null, textPrompt: sp?.textPrompt ?? null, config: cfg,
    },
  };
}

async function importSoftPrompts(folder: ModelFolder, dims?: DecoderDims) {
  const f = await openSafetensors(folder, SOFT_PROMPTS);
  const md = f.metadata;
  if (md.discern_format !== SOFT_PROMPTS_FORMAT || md.version !== '1') {
    throw new PeftFormatError(SOFT_PROMPTS, null, `__metadata__ says discern_format ${JSON.stringify(md.discern_format)} version ${JSON.stringify(md.version)}; expected "${SOFT_PROMPTS_FORMAT}" version "1"`);
  }
  let H = 0;
  const read = async (name: string) => {
    const s = f.has(name) ? f.info(name).shape : null;
    if (!s) throw new PeftFormatError(SOFT_PROMPTS, name, 'missing');
    if (s.length !== 2 || s[0] < 1) throw new PeftFormatError(SOFT_PROMPTS, name, `shape [${s}] is not [P, H]`);
    if (dims && s[1] !== dims.hidden) throw new PeftFormatError(SOFT_PROMPTS, name, `wrong base model dims: width ${s[1]} but the model's hidden size is ${dims.hidden}`);
    if (H && s[1] !== H) throw new PeftFormatError(SOFT_PROMPTS, name, `width ${s[1]} differs from image_soft_prompt's ${H}`);
    H = s[1];
    return readTensor(f, SOFT_PROMPTS, name);
  };
  const image = await read('image_soft_prompt');
  const text = await read('text_soft_prompt');
  let logTau: number | null = null;
  if (md.log_tau !== undefined) logTau = Number(md.log_tau);
  else if (f.has('log_tau')) logTau = (await readTensor(f, SOFT_PROMPTS, 'log_tau'))[0];
  if (logTau !== null && !Number.isFinite(logTau)) throw new PeftFormatError(SOFT_PROMPTS, 'log_tau', `is not a finite number (${md.log_tau})`);
  return { softPrompts: { hidden: H, image, text }, logTau, imagePrompt: md.image_prompt ?? null, textPrompt: md.text_prompt ?? null };
}
