// LoRA adapters and soft prompts: creation (PEFT's default init), upload, zeroed gradients.
//   LoRA A [r, in]: kaiming_uniform(a=√5) → U(−1/√in, 1/√in); B [out, r]: zeros (PEFT
//   init_lora_weights=True), so a fresh adapter leaves the base model unchanged.
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { mulberry32 } from '../../util/random.ts';
import { LORA_MODULES, linearShape, type Adapters, type DecoderDims, type LoraModule } from '../decoder/types.ts';

export interface LoraSettings {
  rank: number;
  alpha: number;
  modules: readonly LoraModule[];
}

export const DEFAULT_LORA: LoraSettings = { rank: 16, alpha: 16, modules: LORA_MODULES };

export class LoraSettingsError extends Error {
  override readonly name = 'LoraSettingsError';
}

export function checkLoraSettings(s: LoraSettings): void {
  if (!Number.isInteger(s.rank) || s.rank < 1 || s.rank > 256) throw new LoraSettingsError(`LoRA rank must be an integer in 1…256, got ${s.rank}`);
  if (!(s.alpha > 0)) throw new LoraSettingsError(`LoRA alpha must be > 0, got ${s.alpha}`);
  const bad = s.modules.filter((m) => !LORA_MODULES.includes(m));
  if (bad.length) throw new LoraSettingsError(`unknown LoRA target module(s) ${bad.join(', ')}; choose from ${LORA_MODULES.join(', ')}`);
}

/** Host (CPU) adapter values, freshly initialised from a seed. */
export function initLoraHost(d: DecoderDims, s: LoraSettings, seed: number): Adapters<Float32Array> {
  checkLoraSettings(s);
  const rand = mulberry32(seed);
  const layers = [];
  for (let l = 0; l < d.layers; l++) {
    const rec: Adapters<Float32Array>['layers'][number] = {};
    for (const m of s.modules) {
      const [out, inF] = linearShape(d, m);
      const bound = 1 / Math.sqrt(inF);
      const A = new Float32Array(s.rank * inF);
      for (let i = 0; i < A.length; i++) A[i] = (2 * rand() - 1) * bound;
      rec[m] = { A, B: new Float32Array(out * s.rank) };
    }
    layers.push(rec);
  }
  return { rank: s.rank, alpha: s.alpha, modules: s.modules, layers };
}

export function mapAdapters<A, B>(a: Adapters<A>, f: (t: A, name: string, shape: [number, number]) => B, d: DecoderDims): Adapters<B> {
  return {
    rank: a.rank, alpha: a.alpha, modules: a.modules,
    layers: a.layers.map((rec, l) => {
      const out: Adapters<B>['layers'][number] = {};
      for (const m of a.modules) {
        const p = rec[m];
        if (!p) continue;
        const [o, i] = linearShape(d, m);
        out[m] = { A: f(p.A, `L${l}.${m}.A`, [a.rank, i]), B: f(p.B, `L${l}.${m}.B`, [o, a.rank]) };
      }
      return out;
    }),
  };
}

/** Every adapter tensor in a fixed order (for the optimizer, grad norms, checkpoints). */
export function adapterTensors<T>(a: Adapters<T>): { name: string; t: T }[] {
  const out: { name: string; t: T }[] = [];
  a.layers.forEach((rec, l) => {
    for (const m of a.modules) {
      const p = rec[m];
      if (p) out.push({ name: `L${l}.${m}.A`, t: p.A }, { name: `L${l}.${m}.B`, t: p.B });
    }
  });
  return out;
}

export function uploadAdapters(ctx: GpuContext, host: Adapters<Float32Array>, d: DecoderDims): Adapters<GpuTensor> {
  return mapAdapters(host, (t, name, shape) => ctx.upload(t, shape, `lora.${name}`), d);
}

export function zerosLike(ctx: GpuContext, a: Adapters<GpuTensor>, d: DecoderDims, prefix = 'grad'): Adapters<GpuTensor> {
  return mapAdapters(a, (t, name) => ctx.zeros(t.shape, `${prefix}.${name}`), d);
}

export async function downloadAdapters(ctx: GpuContext, a: Adapters<GpuTensor>, d: DecoderDims): Promise<Adapters<Float32Array>> {
  const layers: Adapters<Float32Array>['layers'] = [];
  for (const rec of a.layers) {
    const out: Adapters<Float32Array>['layers'][number] = {};
    for (const m of a.modules) {
      const p = rec[m];
      if (p) out[m] = { A: await ctx.read(p.A), B: await ctx.read(p.B) };
    }
    layers.push(out);
  }
  void d;
  return { rank: a.rank, alpha: a.alpha, modules: a.modules, layers };
}
