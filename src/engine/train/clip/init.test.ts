// The CLIP baseline's seeded init: every tensor of the checkpoint layout but lm_head, drawn
// deterministically from the seed, with the documented scales (norms 1, biases 0,
// linears N(0, 1/fan_in), residual outputs further / √(2·layers)).
import { describe, expect, test } from 'vitest';
import { buildTinyModel } from '../../../../scripts/tiny-model/tiny-model.ts';
import { expectedWeights } from '../../model/io/weights.ts';
import { clipInitHost } from './init.ts';

const std = (a: Float32Array) => Math.sqrt(a.reduce((s, x) => s + x * x, 0) / a.length);

describe('clipInitHost', () => {
  const { config } = buildTinyModel({ text: { hidden: 64, layers: 2, heads: 4, kvHeads: 2, headDim: 16, intermediate: 128, ropeTheta: 1e4, rmsNormEps: 1e-5, maxPositions: 64 } });

  test('same seed → same tensors; another seed → different ones; layout = checkpoint minus lm_head', () => {
    const a = clipInitHost(config, 7), b = clipInitHost(config, 7), c = clipInitHost(config, 8);
    const want = expectedWeights(config).filter((s) => s.name !== 'lm_head.weight');
    expect([...a.keys()]).toEqual(want.map((s) => s.name));
    for (const s of want) {
      expect(a.get(s.name)!.shape, s.name).toEqual(s.shape);
      expect(a.get(s.name)!.data, s.name).toEqual(b.get(s.name)!.data);
    }
    const q = 'model.text_model.layers.0.self_attn.q_proj.weight';
    expect(a.get(q)!.data).not.toEqual(c.get(q)!.data);
    expect(() => clipInitHost(config, 1.5)).toThrow(/seed must be an integer/);
  });

  test('scales: norms 1, biases 0, linears 1/√fan_in, residual outputs / √(2·layers)', () => {
    const w = clipInitHost(config, 1);
    const g = (n: string) => w.get(n)!.data;
    expect(g('model.text_model.norm.weight').every((x) => x === 1)).toBe(true);
    expect(g('model.vision_model.encoder.layers.1.layer_norm2.weight').every((x) => x === 1)).toBe(true);
    expect(g('model.vision_model.encoder.layers.0.mlp.fc1.bias').every((x) => x === 0)).toBe(true);
    const H = config.text.hidden_size, I = config.text.intermediate_size;
    expect(std(g('model.text_model.layers.1.mlp.up_proj.weight'))).toBeCloseTo(1 / Math.sqrt(H), 2);
    expect(std(g('model.text_model.layers.1.mlp.down_proj.weight'))).toBeCloseTo(1 / Math.sqrt(I) / 2, 2); // 2 layers → /√4
    expect(std(g('model.text_model.embed_tokens.weight'))).toBeCloseTo(1, 1);
  });
});
