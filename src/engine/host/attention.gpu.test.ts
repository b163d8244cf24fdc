// attention-map on the GPU decoder of the tiny model: the weights are the summary row of the
// attention the kernel actually computed. Check: with the last layer's q, k, v, o read back,
// the full causal softmax row p_h (recomputed here) reproduces o[s, h] = Σ_t p_h[t]·v[t, g(h)]
// — so scale, causality and the GQA head mapping agree with the kernel — and attentionMap's
// weights are that row restricted to the image tokens, renormalised, averaged over heads.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../testing/compare.ts';
import { useGpu } from '../testing/gpu.ts';
import { randn } from '../util/random.ts';
import { folderFromUrl } from '../model/io/folder.ts';
import { adapterTensors } from '../model/vlm/adapters.ts';
import { Vlm } from '../model/vlm/vlm.ts';
import { attentionMap } from './attention.ts';
import { withBase } from './probes.ts';

const MODEL_URL = new URL('/models/tiny-random/', location.origin).href;

describe('attention-map', () => {
  const gpu = useGpu();

  test('equals the kernel attention row of the summary token over the image tokens; base differs from tuned', async () => {
    const ctx = gpu();
    const vlm = await Vlm.load(ctx, folderFromUrl(MODEL_URL), { seed: 3, lora: { rank: 4, alpha: 8, modules: ['q', 'k', 'v'] } });
    adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 200 + i, 0.3)));
    const { hidden: H, heads, kvHeads, headDim: D, layers } = vlm.dims;
    const n = vlm.tokensPerImage;
    const feats = randn(n * H, 5, 1);
    const got = await attentionMap(vlm, feats);
    expect(got.layer).toBe(layers - 1);
    expect(got.grid * got.grid).toBe(n);
    expect(got.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);

    // The same forward, read back by hand.
    const seq = vlm.imageSequence(0, vlm.extraImageBase);
    const f = ctx.upload(feats, [1, n, H], 'f');
    const extra = vlm.buildExtra(f);
    const dec = vlm.decoder();
    const st = dec.forward(vlm.pack([seq]), extra, { activations: 'keep' });
    const A = dec.kept(st, layers - 1);
    const [q, k, v, o] = [await ctx.read(A.q), await ctx.read(A.k), await ctx.read(A.v), await ctx.read(A.o)];
    dec.release(st);
    ctx.release(f, extra);
    vlm.ops.releaseInputs();
    const s = seq.summaryIndex;
    const img = vlm.imagePrompt.imagePositions;
    const want = new Float32Array(n);
    const oRow = new Float32Array(heads * D);
    const mine = new Float32Array(heads * D);
    for (let h = 0; h < heads; h++) {
      const g = Math.floor(h / (heads / kvHeads));
      const logits = Array.from({ length: s + 1 }, (_, t) => {
        let x = 0;
        for (let e = 0; e < D; e++) x += q[s * heads * D + h * D + e] * k[t * kvHeads * D + g * D + e];
        return x / Math.sqrt(D);
      });
      const m = Math.max(...logits);
      const p = logits.map((x) => Math.exp(x - m));
      const z = p.reduce((a, b) => a + b, 0);
      for (let t = 0; t <= s; t++) for (let e = 0; e < D; e++) mine[h * D + e] += (p[t] / z) * v[t * kvHeads * D + g * D + e];
      for (let e = 0; e < D; e++) oRow[h * D + e] = o[s * heads * D + h * D + e];
      const zi = img.reduce((a, t) => a + p[t], 0);
      img.forEach((t, j) => (want[j] += p[t] / zi / heads));
    }
    expectClose(mine, oRow, 'Σ p·v = kernel output at the summary row', { atol: 1e-4, rtol: 1e-3 });
    expectClose(got.weights, want, 'attention-map weights', { atol: 1e-5, rtol: 1e-4 });

    const base = await withBase(vlm, true, () => attentionMap(vlm, feats));
    expect(vlm.useAdapters).toBe(true);
    expect(Math.max(...base.weights.map((w, j) => Math.abs(w - got.weights[j])))).toBeGreaterThan(1e-4);
    vlm.dispose();
  });
});
