// PEFT export → import round trip (bit-identical), the exact PEFT key names and config fields,
// adapters written by PyTorch in BF16, and the errors for foreign / mismatched folders.
import { describe, expect, test } from 'vitest';
import { LORA_MODULES, type DecoderDims } from '../../model/decoder/types.ts';
import { folderFromMap } from '../../model/io/folder.ts';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../model/io/safetensors.ts';
import { bytesSource } from '../../model/io/sources.ts';
import { randomAdapters, TINY_DIMS } from '../checkpoint/test_fixture.ts';
import { Rng } from '../rng.ts';
import { exportPeft, type PeftExportMeta } from './export.ts';
import { importPeft } from './import.ts';
import { peftKey } from './names.ts';

const META: PeftExportMeta = {
  baseModel: 'HuggingFaceTB/SmolVLM-256M-Instruct',
  imagePrompt: '<image>\nSummarize above image in one word:',
  textPrompt: '<sent>\nSummarize above sentence in one word:',
  logTau: Math.log(0.05) + 1e-9,
};

function sample(seed = 1) {
  const rng = Rng.fromSeed(seed, 2);
  const adapters = randomAdapters(TINY_DIMS, 2, rng, 16);
  const H = TINY_DIMS.hidden;
  const softPrompts = { hidden: H, image: rng.fillNormal(new Float32Array(4 * H)), text: rng.fillNormal(new Float32Array(6 * H)) };
  return { adapters, softPrompts };
}

const bits = (a: Float32Array) => [...new Uint32Array(a.slice().buffer)];

/** The exported files with adapter_model.safetensors rebuilt from `tensors` (and optional config edits). */
function withWeights(files: Map<string, Uint8Array>, tensors: Record<string, TensorToWrite>, cfgPatch: object = {}) {
  const out = new Map(files);
  out.set('adapter_model.safetensors', writeSafetensors(tensors, { format: 'pt' }));
  const cfg = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')));
  out.set('adapter_config.json', new TextEncoder().encode(JSON.stringify({ ...cfg, ...cfgPatch })));
  return out;
}

function allTensors(s: ReturnType<typeof sample>, dtype: TensorToWrite['dtype'] = 'F32'): Record<string, TensorToWrite> {
  const t: Record<string, TensorToWrite> = {};
  const r = s.adapters.rank;
  s.adapters.layers.forEach((layer, l) => {
    for (const m of LORA_MODULES) {
      t[peftKey(l, m, 'A')] = { dtype, shape: [r, layer[m]!.A.length / r], data: layer[m]!.A };
      t[peftKey(l, m, 'B')] = { dtype, shape: [layer[m]!.B.length / r, r], data: layer[m]!.B };
    }
  });
  return t;
}

describe('PEFT export/import', () => {
  test('export → import is bit-identical (Map and ModelFolder inputs)', async () => {
    const s = sample();
    const files = exportPeft(s.adapters, s.softPrompts, META);
    expect([...files.keys()].sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors']);
    for (const input of [files, folderFromMap('exported', files)]) {
      const back = await importPeft(input, { dims: TINY_DIMS });
      expect(back.adapters.rank).toBe(2);
      expect(back.adapters.alpha).toBe(16);
      expect(back.adapters.modules).toEqual([...LORA_MODULES]);
      back.adapters.layers.forEach((layer, l) => {
        for (const m of LORA_MODULES) {
          expect(bits(layer[m]!.A)).toEqual(bits(s.adapters.layers[l][m]!.A));
          expect(bits(layer[m]!.B)).toEqual(bits(s.adapters.layers[l][m]!.B));
        }
      });
      expect(bits(back.softPrompts!.image)).toEqual(bits(s.softPrompts.image));
      expect(bits(back.softPrompts!.text)).toEqual(bits(s.softPrompts.text));
      expect(back.softPrompts!.hidden).toBe(8);
      expect(Object.is(back.logTau, META.logTau)).toBe(true);
      expect(back.meta).toMatchObject({ baseModel: META.baseModel, imagePrompt: META.imagePrompt, textPrompt: META.textPrompt });
    }
  });

  test('PEFT key names, shapes and adapter_config.json fields', async () => {
    const s = sample();
    const files = exportPeft(s.adapters, s.softPrompts, META);
    const f = await SafetensorsFile.open(bytesSource('adapter_model.safetensors', files.get('adapter_model.safetensors')!));
    expect(f.metadata).toEqual({ format: 'pt' });
    expect(f.names()).toContain('base_model.model.model.text_model.layers.0.self_attn.q_proj.lora_A.weight');
    expect(f.names()).toContain('base_model.model.model.text_model.layers.1.mlp.down_proj.lora_B.weight');
    expect(f.names()).toHaveLength(2 * 7 * 2);
    // q: [Hq·D=8, H=8]; k: [Hkv·D=4, 8]; down: [H=8, I=12]
    expect(f.info(peftKey(0, 'k', 'A')).shape).toEqual([2, 8]);
    expect(f.info(peftKey(0, 'k', 'B')).shape).toEqual([4, 2]);
    expect(f.info(peftKey(1, 'down', 'A')).shape).toEqual([2, 12]);
    const cfg = JSON.parse(new TextDecoder().decode(files.get('adapter_config.json')));
    expect(cfg).toMatchObject({
      peft_type: 'LORA', task_type: 'CAUSAL_LM', r: 2, lora_alpha: 16, lora_dropout: 0, bias: 'none',
      fan_in_fan_out: false, inference_mode: true, use_dora: false, use_rslora: false,
      base_model_name_or_path: META.baseModel, rank_pattern: {}, alpha_pattern: {}, modules_to_save: null,
    });
    // PEFT applies re.fullmatch to module names: decoder projections only, never the vision tower
    const re = new RegExp(`^(?:${cfg.target_modules})$`);
    expect(re.test('model.text_model.layers.3.self_attn.q_proj')).toBe(true);
    expect(re.test('model.text_model.layers.12.mlp.gate_proj')).toBe(true);
    expect(re.test('model.vision_model.encoder.layers.0.self_attn.q_proj')).toBe(false);
    const list = JSON.parse(new TextDecoder().decode(exportPeft(s.adapters, null, { ...META, targetModules: 'list', taskType: null }).get('adapter_config.json')));
    expect(list.target_modules).toEqual(['q_proj', 'k_proj', 'v_proj', 'o_proj', 'gate_proj', 'up_proj', 'down_proj']);
    expect(list.task_type).toBeNull();
    const sp = await SafetensorsFile.open(bytesSource('soft_prompts.safetensors', files.get('soft_prompts.safetensors')!));
    expect(sp.info('image_soft_prompt').shape).toEqual([4, 8]);
    expect(sp.info('text_soft_prompt').shape).toEqual([6, 8]);
    expect(sp.metadata).toMatchObject({ discern_format: 'discern-soft-prompts', version: '1', image_prompt: META.imagePrompt });
  });

  test('a PyTorch-style BF16 adapter with ".default" keys and no soft prompts imports (widened to f32)', async () => {
    const s = sample(3);
    const files = exportPeft(s.adapters, null, META);
    const t = Object.fromEntries(Object.entries(allTensors(s, 'BF16')).map(([k, v]) => [k.replace('.weight', '.default.weight'), v]));
    const back = await importPeft(withWeights(files, t), { dims: TINY_DIMS });
    expect(back.softPrompts).toBeNull();
    expect(back.logTau).toBeNull();
    const a = back.adapters.layers[1].up!.A, ref = s.adapters.layers[1].up!.A;
    for (let i = 0; i < a.length; i++) expect(Math.abs(a[i] - ref[i])).toBeLessThanOrEqual(Math.abs(ref[i]) * 2 ** -8);
  });

  test('errors name the file and tensor: rank mismatch, wrong dims, missing and foreign tensors', async () => {
    const s = sample();
    const files = exportPeft(s.adapters, s.softPrompts, META);
    const t = allTensors(s);
    const wrongRank = { ...t, [peftKey(1, 'v', 'B')]: { dtype: 'F32' as const, shape: [2, 4], data: new Float32Array(8) } };
    await expect(importPeft(withWeights(files, wrongRank))).rejects.toThrow(
      /adapter_model.safetensors: tensor "base_model.model.model.text_model.layers.1.self_attn.v_proj.lora_B.weight": rank mismatch: shape \[2,4\] but adapter_config.json r = 2/);
    await expect(importPeft(withWeights(files, t, { r: 4 }))).rejects.toThrow(/layers.0.self_attn.q_proj.lora_A.weight": rank mismatch/);
    const wider: DecoderDims = { ...TINY_DIMS, hidden: 16 };
    await expect(importPeft(files, { dims: wider })).rejects.toThrow(/q_proj.lora_A.weight": wrong base model dims: q_proj is \[out 8, in 8\] here but \[out 8, in 16\] in the base model/);
    await expect(importPeft(files, { dims: { ...TINY_DIMS, layers: 30 } })).rejects.toThrow(/wrong base model dims: the adapter covers 2 decoder layers, the model has 30/);
    const noUp = { ...t };
    delete noUp[peftKey(1, 'up', 'B')];
    await expect(importPeft(withWeights(files, noUp))).rejects.toThrow(/tensor "base_model.model.model.text_model.layers.1.mlp.up_proj.lora_B.weight": missing/);
    const vision = { ...t, 'base_model.model.model.vision_model.encoder.layers.0.self_attn.q_proj.lora_A.weight': t[peftKey(0, 'q', 'A')] };
    await expect(importPeft(withWeights(files, vision))).rejects.toThrow(/vision_model.*is not a LoRA weight of the text decoder/);
    const narrowSoft = new Map(files);
    await expect(importPeft(narrowSoft, { dims: { ...TINY_DIMS } })).resolves.toBeTruthy();
    narrowSoft.set('soft_prompts.safetensors', exportPeft(s.adapters, { hidden: 4, image: s.softPrompts.image, text: s.softPrompts.text }, META).get('soft_prompts.safetensors')!);
    await expect(importPeft(narrowSoft, { dims: TINY_DIMS })).rejects.toThrow(/soft_prompts.safetensors: tensor "image_soft_prompt": wrong base model dims: width 4 but the model's hidden size is 8/);
  });

  test('unsupported configs and incomplete folders', async () => {
    const s = sample();
    const files = exportPeft(s.adapters, null, META);
    const t = allTensors(s);
    await expect(importPeft(withWeights(files, t, { use_dora: true }))).rejects.toThrow(/adapter_config.json: "use_dora" is true; DoRA/);
    await expect(importPeft(withWeights(files, t, { peft_type: 'IA3' }))).rejects.toThrow(/only "LORA"/);
    await expect(importPeft(withWeights(files, t, { rank_pattern: { q_proj: 8 } }))).rejects.toThrow(/"rank_pattern" is not empty/);
    const bin = new Map(files);
    bin.delete('adapter_model.safetensors');
    bin.set('adapter_model.bin', new Uint8Array(4));
    await expect(importPeft(bin)).rejects.toThrow(/adapter_model.safetensors: missing from PEFT adapter \(found adapter_model.bin/);
    const noCfg = new Map(files);
    noCfg.delete('adapter_config.json');
    await expect(importPeft(noCfg)).rejects.toThrow(/adapter_config.json: missing from PEFT adapter/);
    const truncated = new Map(files);
    truncated.set('adapter_model.safetensors', files.get('adapter_model.safetensors')!.subarray(0, 100));
    await expect(importPeft(truncated)).rejects.toThrow(/adapter_model.safetensors: .*invalid safetensors file/);
  });
});
