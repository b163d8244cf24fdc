// The Vlm embedding path on the GPU vs the same call list on the CPU references, on the tiny
// model in Hugging Face layout loaded over HTTP from the dev server.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../util/random.ts';
import { parseVlmConfig } from '../config.ts';
import { CpuOps, cpuTensor, type CpuTensor } from '../decoder/cpu_ops.ts';
import { Decoder } from '../decoder/decoder.ts';
import type { DecoderWeights } from '../decoder/types.ts';
import { folderFromUrl } from '../io/folder.ts';
import { isVisionWeight, loadWeights } from '../io/weights.ts';
import { adapterTensors, downloadAdapters, mapAdapters } from './adapters.ts';
import type { Sequence } from './batch.ts';
import { decoderDims, Vlm } from './vlm.ts';

const MODEL_URL = new URL('/models/tiny-random/', location.origin).href;

async function cpuDecoderFor(vlm: Vlm): Promise<Decoder<CpuTensor>> {
  const folder = folderFromUrl(MODEL_URL);
  const config = parseVlmConfig(await folder.readJson('config.json'));
  const w = await loadWeights(folder, config, { only: (n) => !isVisionWeight(n) });
  const t = (n: string) => cpuTensor(w.get(n)!.data, w.get(n)!.shape);
  const p = 'model.text_model.';
  const weights: DecoderWeights<CpuTensor> = {
    embed: t(`${p}embed_tokens.weight`), finalNorm: t(`${p}norm.weight`),
    lmHead: config.text.tie_word_embeddings ? t(`${p}embed_tokens.weight`) : t('lm_head.weight'),
    layers: Array.from({ length: config.text.num_hidden_layers }, (_, l) => {
      const L = `${p}layers.${l}.`;
      return {
        inputNorm: t(`${L}input_layernorm.weight`), postNorm: t(`${L}post_attention_layernorm.weight`),
        q: t(`${L}self_attn.q_proj.weight`), k: t(`${L}self_attn.k_proj.weight`), v: t(`${L}self_attn.v_proj.weight`),
        o: t(`${L}self_attn.o_proj.weight`), gate: t(`${L}mlp.gate_proj.weight`), up: t(`${L}mlp.up_proj.weight`),
        down: t(`${L}mlp.down_proj.weight`),
      };
    }),
  };
  const dims = decoderDims(config);
  const host = await downloadAdapters(vlm.ctx, vlm.adapters!, dims);
  return new Decoder(new CpuOps(), dims, weights, mapAdapters(host, (a, _n, shape) => cpuTensor(a, shape), dims));
}

/** CPU embeddings of packed sequences: decoder forward, summary rows, L2 normalise. */
async function cpuEmbed(vlm: Vlm, dec: Decoder<CpuTensor>, seqs: Sequence[], features: Float32Array | null): Promise<Float32Array> {
  const H = vlm.dims.hidden;
  const sp = [await vlm.ctx.read(vlm.softPrompts.image), await vlm.ctx.read(vlm.softPrompts.text)];
  const rows = [...sp[0], ...sp[1], ...(features ?? [])];
  const batch = vlm.pack(seqs);
  const st = dec.forward(batch, cpuTensor(rows, [rows.length / H, H]));
  const out = new Float32Array(seqs.length * H);
  batch.summaryRows.forEach((r, b) => {
    const v = st.normed.data.subarray(r * H, (r + 1) * H);
    const n = Math.hypot(...v);
    for (let c = 0; c < H; c++) out[b * H + c] = v[c] / n;
  });
  return out;
}

describe('Vlm embeddings on the tiny model', () => {
  const gpu = useGpu();

  test('an untrained adapter + soft prompts equals zero-shot prompting of the base model', async () => {
    const vlm = await Vlm.load(gpu(), folderFromUrl(MODEL_URL), { seed: 1 });
    const texts = ['a red cube left of a blue ball', 'a small green triangle'];
    const tuned = await vlm.ctx.read(vlm.embedTexts(texts));
    vlm.useAdapters = false;
    const base = await vlm.ctx.read(vlm.embedTexts(texts));
    expectClose(tuned, base, 'fresh adapters = base', { atol: 1e-5, rtol: 1e-4 });
    vlm.dispose();
  });

  test('text and image embeddings match the CPU reference, with trained-looking adapters; padding-invariant', async () => {
    const ctx = gpu();
    const vlm = await Vlm.load(ctx, folderFromUrl(MODEL_URL), { seed: 2, lora: { rank: 4, alpha: 8, modules: ['q', 'v', 'gate', 'down'] } });
    // make the adapters and soft prompts non-trivial
    adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 100 + i, 0.2)));
    ctx.write(vlm.softPrompts.image, randn(vlm.softPrompts.image.size, 7, 0.5));
    ctx.write(vlm.softPrompts.text, randn(vlm.softPrompts.text.size, 8, 0.5));
    const cpu = await cpuDecoderFor(vlm);
    const H = vlm.dims.hidden;

    const texts = ['a red cube', 'a large yellow ball above a small blue square on the left'];
    const got = await ctx.read(vlm.embedTexts(texts));
    const want = await cpuEmbed(vlm, cpu, texts.map((t) => vlm.textSequence(t)), null);
    expectClose(got, want, 'text embeddings', { atol: 1e-4, rtol: 1e-3 });
    for (let b = 0; b < texts.length; b++) expect(Math.hypot(...got.subarray(b * H, (b + 1) * H))).toBeCloseTo(1, 5);
    // the short text alone (no padding) embeds the same as inside a padded batch
    const alone = await ctx.read(vlm.embedTexts([texts[0]]));
    expectClose(alone, got.subarray(0, H), 'padding invariance', { atol: 1e-5, rtol: 1e-4 });

    const n = 3;
    const feats = randn(n * vlm.tokensPerImage * H, 11, 1);
    const gFeats = ctx.upload(feats, [n, vlm.tokensPerImage, H], 'features');
    const gotImg = await ctx.read(vlm.embedImages(gFeats, n));
    const seqs = Array.from({ length: n }, (_, i) => vlm.imageSequence(i, vlm.extraImageBase));
    const wantImg = await cpuEmbed(vlm, cpu, seqs, feats);
    expectClose(gotImg, wantImg, 'image embeddings', { atol: 1e-4, rtol: 1e-3 });
    expect(() => vlm.embedImages(gFeats, n + 1)).toThrow(/should hold/);
    vlm.dispose();
  });
});
