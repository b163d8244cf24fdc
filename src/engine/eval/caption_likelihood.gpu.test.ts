// captionLogProbs against a reference that does not use the CE kernel's logsumexp: full logits
// of every row (matmul kernel, normed · lm_headᵀ) and a float64 log-softmax on the host.
import { describe, expect, test } from 'vitest';
import { useGpu } from '../testing/gpu.ts';
import { randn } from '../util/random.ts';
import { matmul } from '../kernels/matmul/matmul.ts';
import { folderFromUrl } from '../model/io/folder.ts';
import { Vlm } from '../model/vlm/vlm.ts';
import { imageTrainSequence } from '../train/vladva_step.ts';
import { captionLogProbs } from './caption_likelihood.ts';

const MODEL_URL = new URL('/models/tiny-random/', location.origin).href;

describe('captionLogProbs', () => {
  const gpu = useGpu();

  test('equals log-softmax of the full logits at each caption token; odd lengths, padding, a cut caption', async () => {
    const ctx = gpu();
    const vlm = await Vlm.load(ctx, folderFromUrl(MODEL_URL), { lora: null });
    vlm.useAdapters = false;
    const H = vlm.dims.hidden, V = vlm.dims.vocab;
    const features = ctx.upload(randn(vlm.tokensPerImage * H, 11, 0.5), [1, vlm.tokensPerImage, H], 'features');
    const extra = vlm.buildExtra(features);
    const captions = ['a red cube', 'a blue ball left of a green cone and a small white diamond', 'a cube'];
    const maxTokens = 9; // cuts the long caption
    const got = await captionLogProbs(vlm, extra, captions, maxTokens);

    const w = await ctx.read(vlm.weights.lmHead);
    expect(w.length).toBe(V * H);
    for (const [b, cap] of captions.entries()) {
      const seq = imageTrainSequence(vlm, 0, 0, cap, maxTokens);
      const st = vlm.decoder().forward(vlm.pack([seq]), extra, { activations: 'none' });
      const n = seq.ids.length;
      const logits = ctx.empty([n, V], 'logits');
      matmul(ctx, logits, st.normed, vlm.weights.lmHead, { transB: true });
      const z = await ctx.read(logits);
      let want = 0, tokens = 0;
      seq.labels!.forEach((label, t) => {
        if (label < 0) return;
        let m = -Infinity;
        for (let v = 0; v < V; v++) m = Math.max(m, z[t * V + v]);
        let s = 0;
        for (let v = 0; v < V; v++) s += Math.exp(z[t * V + v] - m);
        want += z[t * V + label] - m - Math.log(s);
        tokens++;
      });
      expect(got[b].tokens).toBe(tokens);
      expect(got[b].tokens).toBe(Math.min(vlm.tokenizer.encode(' ' + cap).length, maxTokens) + 1); // + the end token
      expect(Math.abs(got[b].logProb - want)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want)));
      vlm.decoder().release(st);
      ctx.release(logits);
      vlm.ops.releaseInputs();
    }
    expect(await captionLogProbs(vlm, extra, [])).toEqual([]);
    ctx.release(features, extra);
    vlm.dispose();
  });
});
