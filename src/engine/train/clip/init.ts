/**
 * Seeded random initialisation of the CLIP baseline's two towers (from scratch, no checkpoint).
 *
 * Public API:
 *   clipInitHost(config, seed) → Map<HF name, { shape, data }>
 *     every tensor of expectedWeights(config) except lm_head (the text tower has no LM head):
 *     the SigLIP tower + connector (image tower) and the Llama text model (text tower),
 *     in checkpoint order, all drawn from ONE Rng stream of `seed` → same seed, same bytes
 *     in every JS engine up to Math.log/cos's last ulp (see rng.ts).
 *   uploadTextTower(ctx, config, host) → DecoderWeights<GpuTensor>
 *     the text model's tensors as a decoder weight record; lmHead IS embed (never used:
 *     the text tower computes no next-token loss), so it must not be released twice.
 *   releaseTextTower(ctx, w)
 *
 * Scheme (GPT-2 / CLIP style, readable): every linear and the patch conv ~ N(0, 1/fan_in);
 * the residual-branch outputs (o_proj, down_proj, out_proj, fc2) additionally × 1/√(2·layers);
 * token embeddings ~ N(0, 1) (the first RMSNorm rescales them anyway); position embeddings
 * ~ N(0, 1/D); LayerNorm/RMSNorm weights 1; every bias 0.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import type { VlmConfig } from '../../model/config.ts';
import type { DecoderWeights, LayerWeights } from '../../model/decoder/types.ts';
import { expectedWeights, type LoadedTensor } from '../../model/io/weights.ts';
import { Rng } from '../rng.ts';

/** Stream of the init RNG (other streams of the same seed stay independent). */
const INIT_STREAM = 29;

const RESIDUAL_OUT = /(o_proj|down_proj|out_proj|fc2)\.weight$/;

function initOne(rng: Rng, name: string, shape: number[], c: VlmConfig): Float32Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float32Array(n);
  if (/norm/.test(name) && name.endsWith('.weight')) return out.fill(1);
  if (name.endsWith('.bias')) return out;
  if (name.includes('position_embedding')) return rng.fillNormal(out, 1 / Math.sqrt(c.vision.hidden_size));
  if (name.includes('embed_tokens')) return rng.fillNormal(out, 1);
  const fanIn = shape.slice(1).reduce((a, b) => a * b, 1);
  let std = 1 / Math.sqrt(fanIn);
  if (RESIDUAL_OUT.test(name)) {
    const layers = name.includes('vision_model') ? c.vision.num_hidden_layers : c.text.num_hidden_layers;
    std /= Math.sqrt(2 * layers);
  }
  return rng.fillNormal(out, std);
}

export function clipInitHost(config: VlmConfig, seed: number): Map<string, LoadedTensor> {
  if (!Number.isInteger(seed)) throw new RangeError(`clip/init.ts clipInitHost: seed must be an integer, got ${seed}`);
  const rng = Rng.fromSeed(seed, INIT_STREAM);
  const out = new Map<string, LoadedTensor>();
  for (const { name, shape } of expectedWeights(config)) {
    if (name === 'lm_head.weight') continue;
    out.set(name, { shape, data: initOne(rng, name, shape, config) });
  }
  return out;
}

const P = 'model.text_model.';
const LAYER: [keyof LayerWeights<unknown>, string][] = [
  ['inputNorm', 'input_layernorm.weight'], ['q', 'self_attn.q_proj.weight'], ['k', 'self_attn.k_proj.weight'],
  ['v', 'self_attn.v_proj.weight'], ['o', 'self_attn.o_proj.weight'], ['postNorm', 'post_attention_layernorm.weight'],
  ['gate', 'mlp.gate_proj.weight'], ['up', 'mlp.up_proj.weight'], ['down', 'mlp.down_proj.weight'],
];

/** The text tower's tensors with their checkpoint names (no lm_head). */
export function textTowerEntries<T>(w: DecoderWeights<T>): { name: string; t: T }[] {
  const out = [{ name: `${P}embed_tokens.weight`, t: w.embed }];
  w.layers.forEach((L, l) => {
    for (const [k, n] of LAYER) out.push({ name: `${P}layers.${l}.${n}`, t: L[k] });
  });
  out.push({ name: `${P}norm.weight`, t: w.finalNorm });
  return out;
}

export function uploadTextTower(ctx: GpuContext, c: VlmConfig, host: ReadonlyMap<string, LoadedTensor>): DecoderWeights<GpuTensor> {
  const uploaded: GpuTensor[] = [];
  const up = (name: string) => {
    const t = host.get(name);
    if (!t) throw new Error(`clip/init.ts uploadTextTower: tensor ${name} is missing from the initial weights`);
    const g = ctx.upload(t.data, t.shape, `clip.${name}`);
    uploaded.push(g);
    return g;
  };
  try {
    const embed = up(`${P}embed_tokens.weight`);
    const layers = Array.from({ length: c.text.num_hidden_layers }, (_, l) =>
      Object.fromEntries(LAYER.map(([k, n]) => [k, up(`${P}layers.${l}.${n}`)])) as unknown as LayerWeights<GpuTensor>);
    return { embed, layers, finalNorm: up(`${P}norm.weight`), lmHead: embed };
  } catch (err) {
    ctx.release(...uploaded);
    throw err;
  }
}

export function releaseTextTower(ctx: GpuContext, w: DecoderWeights<GpuTensor>): void {
  ctx.release(...textTowerEntries(w).map((e) => e.t));
}
