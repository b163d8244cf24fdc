// Suite "embed", pure parts: the ONNX decoder graph (run by onnxruntime-web's wasm EP in Node)
// equals our decoder's CPU reference (Decoder + CpuOps, forward + summary gather) on padded
// text batches and image batches with GQA; host input rows; report formatting. No timing.
import * as ort from 'onnxruntime-web';
import { describe, expect, test } from 'vitest';
import { cpuTensor, CpuOps } from '../../../src/engine/model/decoder/cpu_ops.ts';
import { Decoder } from '../../../src/engine/model/decoder/decoder.ts';
import { LORA_MODULES, linearShape, type DecoderDims } from '../../../src/engine/model/decoder/types.ts';
import { buildDecoderEmbedOnnx, transpose } from './decoder-onnx.ts';
import { embedCases, embedModel, imageCase, inputsEmbeds, onnxFeeds, textCase, type EmbedCase } from './data.ts';
import { formatEmbedReport, embedDisagreements, type EmbedResult } from './result.ts';

ort.env.wasm.numThreads = 1;

const DIMS: DecoderDims = { hidden: 16, intermediate: 24, layers: 2, heads: 4, kvHeads: 2, headDim: 4, vocab: 50, ropeTheta: 10000, rmsEps: 1e-5 };

function cpuEmbed(c: EmbedCase, m: ReturnType<typeof embedModel>): Float32Array {
  const d = m.dims, ops = new CpuOps();
  const t = (v: Float32Array, s: number[]) => cpuTensor(v, s);
  const w = {
    embed: t(m.embed, [d.vocab, d.hidden]), lmHead: t(m.lmHead, [d.vocab, d.hidden]), finalNorm: t(m.finalNorm, [d.hidden]),
    layers: m.layers.map((L) => ({
      inputNorm: t(L.inputNorm, [d.hidden]), postNorm: t(L.postNorm, [d.hidden]),
      ...Object.fromEntries(LORA_MODULES.map((mod) => [mod, t(L.lin[mod], linearShape(d, mod))])),
    })),
  } as ConstructorParameters<typeof Decoder<ReturnType<typeof cpuTensor>>>[2];
  const dec = new Decoder(ops, d, w, null);
  const extra = c.extra ? t(c.extra, [c.extra.length / d.hidden, d.hidden]) : null;
  const st = dec.forward(c.batch, extra, { activations: 'none' });
  const H = d.hidden, out = new Float32Array(c.count * H);
  c.batch.summaryRows.forEach((r, i) => out.set(Float32Array.from(st.normed.data.subarray(r * H, (r + 1) * H)), i * H));
  return out;
}

async function onnxEmbed(c: EmbedCase, m: ReturnType<typeof embedModel>): Promise<Float32Array> {
  const { batch: B, seqLen: T } = c.batch, H = m.dims.hidden;
  const s = await ort.InferenceSession.create(buildDecoderEmbedOnnx(m, B, T));
  const f = onnxFeeds(c);
  const out = await s.run({
    inputs_embeds: new ort.Tensor('float32', inputsEmbeds(c, m.embed, H), [B, T, H]),
    position_ids: new ort.Tensor('int64', f.positions, [B, T]),
    attention_mask: new ort.Tensor('float32', f.mask, [B, T]),
    summary_rows: new ort.Tensor('int64', f.rows, [c.count]),
  });
  await s.release();
  return out.embeddings.data as Float32Array;
}

const maxRel = (a: Float32Array, b: Float32Array) => {
  let m = 0, s = 0;
  for (let i = 0; i < a.length; i++) { m = Math.max(m, Math.abs(a[i] - b[i])); s = Math.max(s, Math.abs(b[i])); }
  return m / s;
};

describe('ONNX decoder embed graph vs our CPU decoder', () => {
  const m = embedModel(5, DIMS);
  test('padded texts (lengths 3..8, GQA 4/2)', async () => {
    const c = textCase(5, DIMS, 3, 3);
    expect(c.batch.keyMask).not.toBeNull(); // really padded
    const [a, b] = [await onnxEmbed(c, m), cpuEmbed(c, m)];
    expect(a.length).toBe(5 * 16);
    expect(maxRel(a, b)).toBeLessThan(1e-5);
    expect(Math.max(...b.map(Math.abs))).toBeGreaterThan(0.5);
  });
  test('images: feature rows from extra', async () => {
    const c = imageCase(2, DIMS, 9, 5);
    expect(c.batch.srcIndex!.filter((x) => x >= 0)).toHaveLength(10);
    expect(maxRel(await onnxEmbed(c, m), cpuEmbed(c, m))).toBeLessThan(1e-5);
  });
  test('a wrong weight is caught (the comparison is sensitive)', async () => {
    const c = textCase(3, DIMS, 4, 3);
    const bad = embedModel(5, DIMS);
    bad.layers[1].lin.down = transpose(bad.layers[1].lin.down, DIMS.hidden, DIMS.intermediate).map((x) => x * 1.01);
    expect(maxRel(await onnxEmbed(c, bad), cpuEmbed(c, m))).toBeGreaterThan(1e-3);
  });
});

describe('embed cases and inputs', () => {
  test('playground-like batches: 32 texts of 12–20 tokens, 8 images × 80 tokens (quick: 8 and 2)', () => {
    const [t, i] = embedCases(false);
    expect(t.count).toBe(32);
    expect(Math.max(...t.batch.lengths)).toBeLessThanOrEqual(20);
    expect(Math.min(...t.batch.lengths)).toBeGreaterThanOrEqual(12);
    expect(i.count).toBe(8);
    expect(i.batch.seqLen).toBe(80);
    expect(embedCases(true).map((c) => c.count)).toEqual([8, 2]);
  });
  test('inputsEmbeds takes extra rows where srcIndex ≥ 0, embedding rows elsewhere', () => {
    const c = imageCase(1, DIMS, 1, 2);
    const m = embedModel(1, DIMS), H = 16;
    const x = inputsEmbeds(c, m.embed, H);
    const id0 = c.batch.ids[0];
    expect(x.subarray(0, H)).toEqual(m.embed.subarray(id0 * H, id0 * H + H));
    expect(x.subarray(10 * H, 11 * H)).toEqual(c.extra!.subarray(0, H));
    expect(x.subarray(11 * H, 12 * H)).toEqual(c.extra!.subarray(H, 2 * H));
  });
});

describe('embed report', () => {
  const res = (diff: number): EmbedResult => ({
    suite: 'embed', config: 'cfg', userAgent: '', startedAt: '', durationMs: 1, adapters: { ours: 'google swiftshader' },
    rows: [{
      kind: 'texts', count: 32, tokens: 640, impls: [
        { impl: 'ours', samplesMs: [100], medianMs: 100, maxRelDiffVsOurs: null },
        { impl: 'ort-webgpu', samplesMs: [200, 300], medianMs: 250, maxRelDiffVsOurs: diff },
      ],
    }],
  });
  test('items/s and ratio ours/peer (> 1: ours faster)', () => {
    const s = formatEmbedReport(res(1e-6));
    expect(s).toMatch(/^texts\s+32\s+640\s+ours\s+100\.0\s+1\s+320\.0\s+6400\s+—/m);
    expect(s).toMatch(/^texts\s+32\s+640\s+ort-webgpu\s+250\.0\s+2\s+128\.0\s+2560\s+2\.50\s+1\.0e-6/m);
    expect(embedDisagreements(res(1e-6))).toEqual([]);
    expect(embedDisagreements(res(2e-3))[0]).toMatch(/ort-webgpu texts: embeddings differ from ours by 2\.00e-3/);
    expect(embedDisagreements(res(NaN))).toHaveLength(1);
  });
});
