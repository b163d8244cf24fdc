// The CLIP baseline on the GPU (SwiftShader):
//  - mean pooling (one GEMM with a block-averaging matrix) equals its CPU reference, forward
//    and accumulating backward, on shapes that are no tile multiples;
//  - the whole step's analytic gradient matches central differences of the loss along the
//    gradient's own direction for vision, connector, text tensors and logTau, and along one
//    random direction over every parameter at once (odd config: D 15, Dt 15, 3 heads, T 4);
//  - on 8 fixed (image, caption) pairs of the synthetic benchmark the loss falls over 15 steps
//    and image↔text retrieval on them beats chance; nothing leaks after dispose().
import { describe, expect, test } from 'vitest';
import { buildTinyModel, DEFAULT_TINY } from '../../../../scripts/tiny-model/tiny-model.ts';
import type { PreprocessorConfig } from '../../data/preprocess.ts';
import { preprocessRgba } from '../../data/preprocess.ts';
import { syntheticBenchmark } from '../../data/synthetic/benchmark.ts';
import { renderScene } from '../../data/synthetic/raster.ts';
import { parseVlmConfig } from '../../model/config.ts';
import { folderFromMap, folderFromUrl } from '../../model/io/folder.ts';
import { loadTokenizer } from '../../model/io/tokenizer.ts';
import { expectClose } from '../../testing/compare.ts';
import { ropeForward } from '../../kernels/rope/rope.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { ClipTrainer } from './clip.ts';
import { meanPoolBackward, meanPoolForward, meanPoolRef, poolingMatrix } from './pool.ts';

const TINY_URL = new URL('/models/tiny-random/', location.origin).href;

describe('CLIP dual encoder (GPU)', () => {
  const gpu = useGpu();

  test('mean pooling over T equals the CPU reference, forward and accumulating backward', async () => {
    const ctx = gpu();
    for (const [M, T, D] of [[1, 1, 3], [3, 4, 15], [7, 9, 33]]) {
      const x = randn(M * T * D, M + T), dOut = randn(M * D, D), dx0 = randn(M * T * D, 5);
      const P = poolingMatrix(ctx, M, T);
      const xg = ctx.upload(x, [M, T, D], 'x'), out = ctx.empty([M, D], 'out');
      meanPoolForward(ctx, out, xg, P);
      expectClose(await ctx.read(out), meanPoolRef(x, M, T, D), `pool M=${M} T=${T} D=${D}`, { atol: 1e-6, rtol: 1e-5 });
      const dx = ctx.upload(dx0, [M * T, D], 'dx'), dg = ctx.upload(dOut, [M, D], 'dOut');
      meanPoolBackward(ctx, dx, dg, P);
      const want = Float64Array.from(dx0, (v, i) => v + dOut[Math.floor(i / (T * D)) * D + (i % D)] / T);
      expectClose(await ctx.read(dx), want, `pool backward M=${M} T=${T} D=${D}`, { atol: 1e-6, rtol: 1e-5 });
      expect(() => meanPoolForward(ctx, ctx.empty([M + 1, D], 'bad'), xg, P)).toThrow(/do not fit/);
      ctx.release(P, xg, out, dx, dg);
    }
  });

  test('odd config: the analytic gradient matches directional finite differences of the loss', async () => {
    const ctx = gpu();
    const m = buildTinyModel({
      seed: 3, vision: { hidden: 15, layers: 2, heads: 3, intermediate: 21, image: 18, patch: 3 },
      text: { ...DEFAULT_TINY.text, hidden: 15, heads: 3, kvHeads: 1, headDim: 6, intermediate: 21 }, scaleFactor: 3,
    });
    const tok = await loadTokenizer(folderFromMap('odd', m.files));
    expect(m.config.imageTokensPerImage).toBe(4);
    // the rope frequency table (headDim 6) is a per-context cache: create it before counting bytes
    const q = ctx.zeros([1, 6], 'q'), pos = ctx.upload(new Uint32Array([0]), [1], 'pos');
    ropeForward(ctx, q, pos, { heads: 1, headDim: 6, theta: m.config.text.rope_theta });
    ctx.release(q, pos);
    await ctx.sync();
    const live = ctx.pool.liveBytes;
    const clip = await ClipTrainer.create(ctx, m.config, tok, { seed: 5, lr: 1e-3, warmupSteps: 0, steps: 10 });
    const B = 5;
    const px = randn(B * 3 * 18 * 18, 8);
    const caps = ['a red ball', 'two green cubes left of a star', 'a blue cube', 'a small yellow triangle', 'a red cube above a ball'];
    const base = await clip.step(px, caps, { apply: false });
    expect(clip.stepsDone).toBe(0);
    const grads = new Map(await Promise.all(clip.trainables.map(async (t) => [t.name, await ctx.read(t.grad)] as const)));
    const params = new Map(await Promise.all(clip.trainables.map(async (t) => [t.name, await ctx.read(t.param)] as const)));
    // L(θ + s·d) for a direction d given per tensor (absent = 0)
    const lossAlong = async (dir: Map<string, Float32Array>, s: number) => {
      for (const t of clip.trainables) {
        const d = dir.get(t.name);
        if (d) ctx.write(t.param, params.get(t.name)!.map((v, i) => v + s * d[i]));
      }
      const l = (await clip.step(px, caps, { apply: false })).loss;
      for (const t of clip.trainables) if (dir.has(t.name)) ctx.write(t.param, params.get(t.name)!);
      return l;
    };
    const check = async (label: string, dir: Map<string, Float32Array>, eps: number) => {
      let analytic = 0;
      for (const [name, d] of dir) grads.get(name)!.forEach((g, i) => (analytic += g * d[i]));
      const fd = ((await lossAlong(dir, eps)) - (await lossAlong(dir, -eps))) / (2 * eps);
      console.log(`[clip] ${label}: analytic ${analytic.toExponential(4)} fd ${fd.toExponential(4)}`);
      expect(Math.abs(fd - analytic), `${label}: analytic ${analytic} vs finite differences ${fd}`).toBeLessThan(0.03 * Math.abs(fd) + 1e-5);
      expect(Math.abs(analytic), label).toBeGreaterThan(1e-4); // the check has signal
    };
    const v = 'model.vision_model.', tm = 'model.text_model.';
    for (const name of [
      `${v}embeddings.patch_embedding.weight`, `${v}encoder.layers.0.self_attn.q_proj.weight`, `${v}encoder.layers.1.mlp.fc1.bias`,
      'model.connector.modality_projection.proj.weight', `${tm}embed_tokens.weight`, `${tm}layers.0.self_attn.k_proj.weight`,
      `${tm}layers.1.mlp.down_proj.weight`, 'logTau',
    ]) {
      const g = grads.get(name);
      expect(g, name).toBeDefined();
      const norm = Math.sqrt(g!.reduce((a, x) => a + x * x, 0));
      await check(name, new Map([[name, g!.map((x) => x / norm)]]), 1e-2);
    }
    // one random direction over every parameter
    const dir = new Map(clip.trainables.map((t, k) => [t.name, randn(t.param.size, 100 + k)]));
    const total = Math.sqrt([...dir.values()].reduce((a, d) => a + d.reduce((b, x) => b + x * x, 0), 0));
    for (const d of dir.values()) d.forEach((x, i) => (d[i] = x / total));
    await check('all parameters, random direction', dir, 1e-2);
    await expect(clip.step(px.subarray(1), caps)).rejects.toThrow(/pixels hold 4859 values; want 5 image\(s\) × \[3,18,18\] = 4860/);
    await expect(clip.embedImages(px, 4)).rejects.toThrow(/want 4 image/);
    expect(clip.stepsDone).toBe(0);
    expect(base.loss).toBeGreaterThan(0);
    expect(base.temperature).toBeCloseTo(0.07, 5);
    clip.dispose();
    await ctx.sync();
    expect(ctx.pool.liveBytes).toBe(live);
  });

  test('8 benchmark pairs: the loss falls over 15 steps and retrieval beats chance', async () => {
    const ctx = gpu();
    const folder = folderFromUrl(TINY_URL);
    const config = parseVlmConfig(await folder.readJson('config.json'));
    const tok = await loadTokenizer(folder);
    const pre = await folder.readJson<PreprocessorConfig>('preprocessor_config.json');
    const scenes = [];
    const seen = new Set<string>();
    for (const s of syntheticBenchmark().train) {
      if (seen.has(s.caption)) continue;
      seen.add(s.caption);
      scenes.push(s);
      if (scenes.length === 8) break;
    }
    const S = config.vision.image_size;
    const px = new Float32Array(8 * 3 * S * S);
    scenes.forEach((s, i) => px.set(preprocessRgba(renderScene(s.scene), 64, 64, pre).pixels, i * 3 * S * S));
    const caps = scenes.map((s) => s.caption);
    const clip = await ClipTrainer.create(ctx, config, tok, { seed: 1, lr: 3e-3, warmupSteps: 2, steps: 15 });
    const losses: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < 15; i++) {
      const r = await clip.step(px, caps);
      losses.push(r.loss);
      expect(Number.isFinite(r.gradNorm) && r.gradNorm > 0).toBe(true);
      if (i === 0) expect(r.lr).toBe(0); // warmup's first update (schedule.ts convention)
    }
    console.log(`[clip] 15 steps of 8 pairs: ${((performance.now() - t0) / 15).toFixed(0)} ms/step; losses ${losses.map((l) => l.toFixed(3)).join(' ')}`);
    expect(clip.stepsDone).toBe(15);
    expect(losses[0]).toBeGreaterThan(1.5); // ≈ ln 8 at random init
    expect(losses[14]).toBeLessThan(0.6 * losses[0]);
    const img = await clip.embedImages(px, 8), txt = await clip.embedTexts(caps);
    const D = config.text.hidden_size;
    let i2t = 0, t2i = 0;
    const sim = (a: number, b: number) => { let s = 0; for (let d = 0; d < D; d++) s += img[a * D + d] * txt[b * D + d]; return s; };
    for (let a = 0; a < 8; a++) {
      expect(Math.hypot(...img.subarray(a * D, (a + 1) * D))).toBeCloseTo(1, 4);
      const row = Array.from({ length: 8 }, (_, b) => sim(a, b)), col = Array.from({ length: 8 }, (_, b) => sim(b, a));
      if (row.indexOf(Math.max(...row)) === a) i2t++;
      if (col.indexOf(Math.max(...col)) === a) t2i++;
    }
    console.log(`[clip] R@1 on the 8 training pairs: image→text ${i2t}/8, text→image ${t2i}/8; τ ${(await clip.temperature()).toFixed(4)}`);
    expect(i2t).toBeGreaterThanOrEqual(4); // chance: 1 of 8
    expect(t2i).toBeGreaterThanOrEqual(4);
    clip.dispose();
  });
});
