/**
 * The trainer's GPU state ↔ the checkpoint record (checkpoint/types.ts), and LoRA init.
 *
 * Public API:
 *   checkpointName(trainableName)       — "L0.q.A" → "lora.0.q.A", "softPrompt.image" → "soft.image", "logTau"
 *   initAdapters(dims, lora, rng)        — PEFT default init from the project Rng (init stream):
 *                                          A [r,in] ~ U(−1/√in, 1/√in) (kaiming_uniform a=√5), B [out,r] = 0
 *   installAdapters(ctx, vlm, host)      — replaces vlm.adapters by uploads of `host` (releases the old ones)
 *   removeAdapters(ctx, vlm)             — releases vlm.adapters and sets it to null (trainLora: false)
 *   writeSoftPrompts(ctx, vlm, sp)       — checks shapes, writes both soft prompts
 *   downloadTrainState(ctx, vlm, trainables, logTau) → { adapters, softPrompts, logTau, moments }
 *   uploadMoments(ctx, trainables, moments)
 *   allFinite(state)                      — false when any parameter holds NaN/Inf
 *   nonFiniteParams(state)                — checkpoint names of the parameters holding NaN/Inf
 *
 * Trap: the Vlm given to the trainer is freshly loaded with whatever adapters its loader drew;
 * the trainer always installs its own (from the init stream, or from the checkpoint), so the
 * run never depends on how the Vlm was loaded.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { linearShape, type Adapters, type DecoderDims, type LoraModule } from '../../model/decoder/types.ts';
import { downloadAdapters, uploadAdapters } from '../../model/vlm/adapters.ts';
import type { Vlm } from '../../model/vlm/vlm.ts';
import { CheckpointFormatError } from '../checkpoint/errors.ts';
import type { OptimizerState, SoftPrompts } from '../checkpoint/types.ts';
import type { Rng } from '../rng.ts';
import type { Trainable } from '../params.ts';

export function checkpointName(name: string): string {
  if (name === 'softPrompt.image') return 'soft.image';
  if (name === 'softPrompt.text') return 'soft.text';
  if (name === 'logTau') return 'logTau';
  const m = /^L(\d+)\.(\w+)\.(A|B)$/.exec(name);
  if (!m) throw new Error(`state.ts: no checkpoint name for trainable "${name}"`);
  return `lora.${m[1]}.${m[2]}.${m[3]}`;
}

export function initAdapters(d: DecoderDims, lora: { rank: number; alpha: number; modules: readonly LoraModule[] }, rng: Rng): Adapters<Float32Array> {
  const layers: Adapters<Float32Array>['layers'] = [];
  for (let l = 0; l < d.layers; l++) {
    const rec: Adapters<Float32Array>['layers'][number] = {};
    for (const m of lora.modules) {
      const [out, inF] = linearShape(d, m);
      const bound = 1 / Math.sqrt(inF);
      rec[m] = { A: rng.fillUniform(new Float32Array(lora.rank * inF), -bound, bound), B: new Float32Array(out * lora.rank) };
    }
    layers.push(rec);
  }
  return { rank: lora.rank, alpha: lora.alpha, modules: [...lora.modules], layers };
}

export function installAdapters(ctx: GpuContext, vlm: Vlm, host: Adapters<Float32Array>): void {
  if (host.layers.length !== vlm.dims.layers) {
    throw new CheckpointFormatError('adapters', `${host.layers.length} layers of adapters for a model with ${vlm.dims.layers} decoder layers`);
  }
  host.layers.forEach((rec, l) => {
    for (const m of host.modules) {
      const p = rec[m];
      const [out, inF] = linearShape(vlm.dims, m);
      if (!p || p.A.length !== host.rank * inF || p.B.length !== out * host.rank) {
        throw new CheckpointFormatError(`lora.${l}.${m}`, `wrong shape for this model: want A [${host.rank}, ${inF}] and B [${out}, ${host.rank}]`);
      }
    }
  });
  for (const rec of vlm.adapters?.layers ?? []) for (const p of Object.values(rec)) ctx.release(p!.A, p!.B);
  vlm.adapters = uploadAdapters(ctx, host, vlm.dims);
}

export function writeSoftPrompts(ctx: GpuContext, vlm: Vlm, sp: SoftPrompts): void {
  const H = vlm.dims.hidden;
  for (const [side, data] of [['image', sp.image], ['text', sp.text]] as const) {
    const t = vlm.softPrompts[side];
    if (sp.hidden !== H || data.length !== t.size) {
      throw new CheckpointFormatError(`soft.${side}`, `holds ${data.length / sp.hidden}×${sp.hidden} values; this model's ${side} prompt needs [${t.shape}] — was it saved with another model or prompt template?`);
    }
    ctx.write(t, data);
  }
}

export interface TrainState {
  adapters: Adapters<Float32Array>;
  softPrompts: SoftPrompts;
  logTau: number;
  moments: OptimizerState['moments'];
}

/** `lora` names the (empty) adapter record stored when the run has no adapters (trainLora: false). */
export async function downloadTrainState(
  ctx: GpuContext, vlm: Vlm, trainables: Trainable[], logTau: GpuTensor, lora?: { rank: number; alpha: number; modules: LoraModule[] },
): Promise<TrainState> {
  await ctx.sync();
  const moments: OptimizerState['moments'] = {};
  for (const t of trainables) moments[checkpointName(t.name)] = { m: await ctx.read(t.m), v: await ctx.read(t.v) };
  return {
    adapters: vlm.adapters ? await downloadAdapters(ctx, vlm.adapters, vlm.dims) : noAdapters(lora),
    softPrompts: { hidden: vlm.dims.hidden, image: await ctx.read(vlm.softPrompts.image), text: await ctx.read(vlm.softPrompts.text) },
    logTau: (await ctx.read(logTau))[0],
    moments,
  };
}

function noAdapters(lora: { rank: number; alpha: number; modules: LoraModule[] } | undefined): Adapters<Float32Array> {
  if (!lora) throw new Error('downloadTrainState: the model has no adapters and no LoRA settings were given for the empty record');
  return { rank: lora.rank, alpha: lora.alpha, modules: [...lora.modules], layers: [] };
}

/** Detaches (and releases) the Vlm's adapters: the decoder then runs the frozen base weights. */
export function removeAdapters(ctx: GpuContext, vlm: Vlm): void {
  for (const rec of vlm.adapters?.layers ?? []) for (const p of Object.values(rec)) ctx.release(p!.A, p!.B);
  vlm.adapters = null;
}

export function uploadMoments(ctx: GpuContext, trainables: Trainable[], moments: OptimizerState['moments'], where: string): void {
  for (const t of trainables) {
    const name = checkpointName(t.name);
    const mv = moments[name];
    if (!mv) throw new CheckpointFormatError(where, `optimizer.moments has no entry for "${name}"`);
    if (mv.m.length !== t.m.size || mv.v.length !== t.v.size) {
      throw new CheckpointFormatError(where, `optimizer moments of "${name}" hold ${mv.m.length} values, the tensor has ${t.m.size}`);
    }
    ctx.write(t.m, mv.m);
    ctx.write(t.v, mv.v);
  }
}

export function nonFiniteParams(s: Pick<TrainState, 'adapters' | 'softPrompts' | 'logTau'>): string[] {
  const ok = (a: Float32Array) => a.every(Number.isFinite);
  const bad: string[] = [];
  s.adapters.layers.forEach((rec, l) => {
    for (const m of s.adapters.modules) {
      const p = rec[m];
      if (p && !ok(p.A)) bad.push(`lora.${l}.${m}.A`);
      if (p && !ok(p.B)) bad.push(`lora.${l}.${m}.B`);
    }
  });
  if (!ok(s.softPrompts.image)) bad.push('soft.image');
  if (!ok(s.softPrompts.text)) bad.push('soft.text');
  if (!Number.isFinite(s.logTau)) bad.push('logTau');
  return bad;
}

export function allFinite(s: Pick<TrainState, 'adapters' | 'softPrompts' | 'logTau'>): boolean {
  return nonFiniteParams(s).length === 0;
}
