// KV-cache generation equals recomputing the whole sequence at every step.
import { describe, expect, test } from 'vitest';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../util/random.ts';
import { matmul } from '../../kernels/matmul/matmul.ts';
import { folderFromUrl } from '../io/folder.ts';
import { adapterTensors } from './adapters.ts';
import { generate, pickToken } from './generate.ts';
import { Vlm } from './vlm.ts';

const MODEL_URL = new URL('/models/tiny-random/', location.origin).href;

describe('generation with a KV cache', () => {
  const gpu = useGpu();

  test('logits of every cached step match a full recomputation; greedy and sampled', async () => {
    const ctx = gpu();
    const vlm = await Vlm.load(ctx, folderFromUrl(MODEL_URL), { seed: 3, lora: { rank: 4, alpha: 4, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] } });
    adapterTensors(vlm.adapters!).forEach(({ t }, i) => ctx.write(t, randn(t.size, 50 + i, 0.1)));
    const H = vlm.dims.hidden;
    const features = ctx.upload(randn(vlm.tokensPerImage * H, 5), [1, vlm.tokensPerImage, H], 'features');
    const extra = vlm.buildExtra(features);
    const prompt = vlm.captionSequence();
    const cached: Float32Array[] = [];
    const tokens = await generate(vlm, prompt, extra, { maxNewTokens: 6, stopIds: [], onLogits: (z) => cached.push(z) });
    expect(tokens.length).toBe(6);

    // no-cache reference: the whole sequence so far through the decoder, logits of its last row
    const dec = vlm.decoder();
    for (let step = 0; step < tokens.length; step++) {
      const ids = [...prompt.ids, ...tokens.slice(0, step)];
      const seq = { ids, src: [...prompt.src, ...Array(step).fill(-1)], summaryIndex: ids.length - 1 };
      const batch = vlm.pack([seq]);
      const st = dec.forward(batch, extra, { keepActivations: false });
      const row = ctx.empty([1, H], 'row');
      ctx.copyRange(st.normed, (ids.length - 1) * H, row, 0, H);
      const logits = ctx.empty([1, vlm.dims.vocab], 'logits');
      matmul(ctx, logits, row, vlm.weights.lmHead, { transB: true });
      expectClose(cached[step], await ctx.read(logits), `step ${step} logits`, { atol: 1e-4, rtol: 1e-3 });
      expect(tokens[step]).toBe(pickToken(cached[step], {}, () => 0));
      dec.release(st);
      ctx.release(row, logits);
      vlm.ops.releaseInputs();
    }
    // sampling is reproducible from its seed and respects top-k
    const a = await generate(vlm, prompt, extra, { maxNewTokens: 5, temperature: 1, topK: 3, seed: 9, stopIds: [] });
    const b = await generate(vlm, prompt, extra, { maxNewTokens: 5, temperature: 1, topK: 3, seed: 9, stopIds: [] });
    expect(a).toEqual(b);
    const text = vlm.tokenizer.decode(tokens);
    expect(typeof text).toBe('string');
    ctx.release(features, extra);
    vlm.dispose();
  });

  test('pickToken: greedy is argmax; top-1 sampling is argmax; top-k never leaves the top k', () => {
    const z = new Float32Array([0.1, 3, -1, 2.9, 0]);
    expect(pickToken(z, {}, Math.random)).toBe(1);
    expect(pickToken(z, { temperature: 1, topK: 1 }, Math.random)).toBe(1);
    for (let i = 0; i < 50; i++) expect([1, 3]).toContain(pickToken(z, { temperature: 2, topK: 2 }, Math.random));
  });
});
