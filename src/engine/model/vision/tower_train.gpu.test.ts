// Rungs (ii) and (iii) for the vision tower backward on the GPU (SwiftShader WebGPU):
//  - the three new permutation / reduction kernels vs their CPU references (exact: data
//    movement and one f32 add per element, summed in the same order), accumulating;
//  - the whole tower on an odd config (D 15, 3 heads of 5, I 21, image 18, patch 3 → 6×6
//    patches, scale 3 → 4 tokens, Dt 11, 2 layers, 3 images): training features equal
//    visionTowerForward and the CPU reference; every gradient (and the pixels') equals the CPU
//    reference's, accumulated onto non-zero starting values; nothing leaks;
//  - visionWeightEntries names/shapes round-trip the shipped tiny-random checkpoint.
import { describe, expect, test } from 'vitest';
import { buildTinyModel, DEFAULT_TINY } from '../../../../scripts/tiny-model/tiny-model.ts';
import { expectClose } from '../../testing/compare.ts';
import { useGpu } from '../../testing/gpu.ts';
import { randn } from '../../testing/random.ts';
import { parseVlmConfig } from '../config.ts';
import { folderFromMap, folderFromUrl } from '../io/folder.ts';
import { isVisionWeight, loadWeights } from '../io/weights.ts';
import { addPositionBackward, im2colBackward, pixelShuffleBackward } from './kernels.ts';
import { NO_SPA_FALLBACK, TINY_URL } from './test_fixtures.ts';
import { visionTowerForward } from './tower.ts';
import {
  hostVisionParams, im2colBackwardRef, pixelShuffleBackwardRef, visionTowerBackwardRef, visionTowerForwardTrainRef,
} from './tower_train.ref.ts';
import {
  releaseVisionTrainState, visionParamShapes, visionTowerBackward, visionTowerForwardTrain, visionWeightEntries,
  zerosLikeVisionWeights,
} from './tower_train.ts';
import { releaseVisionWeights, uploadVisionWeights } from './weights.ts';

const TOL = { atol: 1e-4, rtol: 2e-3 };

describe('vision tower backward (GPU)', () => {
  const gpu = useGpu();

  test('pixel shuffle, im2col and position backward kernels equal the CPU references and accumulate', async () => {
    const ctx = gpu();
    const acc = (n: number, seed: number) => randn(n, seed); // non-zero starting gradient
    for (const [M, n, s, D] of [[1, 2, 2, 1], [3, 6, 3, 5], [2, 8, 4, 7]]) {
      const size = M * n * n * D;
      const dOut = randn(size, n + D), dx0 = acc(size, 3);
      const want = Float64Array.from(dx0);
      pixelShuffleBackwardRef(want, Float64Array.from(dOut), M, n, s, D);
      const dx = ctx.upload(dx0, [M, n * n, D], 'dx'), g = ctx.upload(dOut, [M, n * n / (s * s), s * s * D], 'dOut');
      pixelShuffleBackward(ctx, dx, g, { n, s });
      expect(await ctx.read(dx), `shuffle M=${M} n=${n} s=${s} D=${D}`).toEqual(Float32Array.from(want));
      ctx.release(dx, g);
    }
    for (const [M, C, S, p] of [[2, 3, 15, 5], [1, 2, 3, 1], [3, 1, 6, 3]]) {
      const size = M * C * S * S;
      const dCols = randn(size, S + p), dp0 = acc(size, 4);
      const want = Float64Array.from(dp0);
      im2colBackwardRef(want, Float64Array.from(dCols), M, C, S, p);
      const dp = ctx.upload(dp0, [M, C, S, S], 'dPixels'), dc = ctx.upload(dCols, [M * (S / p) ** 2, C * p * p], 'dCols');
      im2colBackward(ctx, dp, dc, { C, S, p });
      expect(await ctx.read(dp), `col2im M=${M} C=${C} S=${S} p=${p}`).toEqual(Float32Array.from(want));
      ctx.release(dp, dc);
    }
    for (const [M, L, D] of [[3, 5, 7], [1, 7, 10000]]) { // the second: 274 workgroups, last one partial
      const dxs = randn(M * L * D, 5), dPos0 = acc(L * D, 6);
      const want = new Float32Array(L * D);
      for (let e = 0; e < L * D; e++) {
        let a = 0;
        for (let m = 0; m < M; m++) a = Math.fround(a + dxs[m * L * D + e]);
        want[e] = Math.fround(dPos0[e] + a);
      }
      const dPos = ctx.upload(dPos0, [L, D], 'dPos'), dx = ctx.upload(dxs, [M * L, D], 'dx');
      addPositionBackward(ctx, dPos, dx);
      expect(await ctx.read(dPos), `pos M=${M} L=${L} D=${D}`).toEqual(want);
      ctx.release(dPos, dx);
    }
    const bad = ctx.empty([2, 36, 4], 'dx'), out = ctx.empty([2, 4, 35], 'dOut');
    expect(() => pixelShuffleBackward(ctx, bad, out, { n: 6, s: 3 })).toThrow(/dOut\[2,4,35\] has 280 elements, expected 288/);
    expect(() => addPositionBackward(ctx, out, bad)).toThrow(/not a whole number of position tables/);
    ctx.release(bad, out);
  });

  test('odd tower, 3 images: features and every weight / pixel gradient equal the CPU reference', async () => {
    const ctx = gpu();
    const m = buildTinyModel({
      seed: 11, vision: { hidden: 15, layers: 2, heads: 3, intermediate: 21, image: 18, patch: 3 },
      text: { ...DEFAULT_TINY.text, hidden: 11, heads: 1, kvHeads: 1, headDim: 11 }, scaleFactor: 3,
    });
    const c = m.config, M = 3, T = c.imageTokensPerImage, Dt = 11;
    expect(T).toBe(4);
    const loaded = await loadWeights(folderFromMap('odd', m.files), c, { only: isVisionWeight });
    const w = uploadVisionWeights(ctx, c, loaded);
    const px = randn(M * 3 * 18 * 18, 21);
    const pixels = ctx.upload(px, [M, 3, 18, 18], 'pixels');
    // reference
    const hw = hostVisionParams(c, (name) => loaded.get(name)!.data);
    const ref = visionTowerForwardTrainRef(hw, c, px, M);
    const dFs = randn(M * T * Dt, 22);
    const refGrads = hostVisionParams(c, (name) => randn(loaded.get(name)!.data.length, name.length)); // non-zero start
    const refDPixels = visionTowerBackwardRef(dFs, ref.state, hw, refGrads, c);
    // GPU
    await ctx.sync();
    const live = ctx.pool.liveBytes;
    const grads = zerosLikeVisionWeights(ctx, w, 'grad.');
    for (const { name, t } of visionWeightEntries(grads)) ctx.write(t, randn(t.size, name.length));
    const dPx0 = randn(px.length, 23);
    const dPixels = ctx.upload(dPx0, [M, 3, 18, 18], 'dPixels');
    const { features, state } = visionTowerForwardTrain(ctx, pixels, w, c);
    const plain = ctx.empty([M, T, Dt], 'plain');
    visionTowerForward(ctx, { features: plain }, pixels, w, c);
    const got = await ctx.read(features);
    expectClose(got, ref.features, 'training features vs CPU', { atol: 1e-4, rtol: 1e-3 });
    expect(got).toEqual(await ctx.read(plain)); // the same kernels in the same order
    const dF = ctx.upload(dFs, [M * T, Dt], 'dFeatures');
    const t0 = performance.now();
    visionTowerBackward(ctx, dF, state, w, grads, c, { dPixels });
    await ctx.sync();
    console.log(`[vision] backward (odd tower, 3 images): ${(performance.now() - t0).toFixed(0)} ms`);
    const refEntries = visionWeightEntries(refGrads);
    const gotEntries = visionWeightEntries(grads);
    expect(gotEntries.map((e) => e.name)).toEqual(refEntries.map((e) => e.name));
    for (let i = 0; i < gotEntries.length; i++) {
      expectClose(await ctx.read(gotEntries[i].t), refEntries[i].t, `grad ${gotEntries[i].name}`, TOL);
    }
    const wantPx = Float64Array.from(dPx0).map((v, i) => v + refDPixels[i]);
    expectClose(await ctx.read(dPixels), wantPx, 'grad pixels', TOL);
    expect(() => visionTowerBackward(ctx, dF, state, w, grads, c)).toThrow(/already released/);
    releaseVisionTrainState(ctx, state); // idempotent
    ctx.release(features, plain, dF, dPixels);
    releaseVisionWeights(ctx, grads);
    expect(ctx.pool.liveBytes).toBe(live); // the state and all scratch went back to the pool
    ctx.release(pixels);
    releaseVisionWeights(ctx, w);
  });

  test('visionWeightEntries: names and shapes round-trip the tiny-random checkpoint', async () => {
    const ctx = gpu();
    const folder = folderFromUrl(TINY_URL, NO_SPA_FALLBACK);
    const c = parseVlmConfig(await folder.readJson('config.json'));
    const loaded = await loadWeights(folder, c, { only: isVisionWeight });
    const w = uploadVisionWeights(ctx, c, loaded);
    const entries = visionWeightEntries(w);
    expect(entries.map((e) => e.name).sort()).toEqual([...loaded.keys()].sort());
    expect(new Set(entries.map((e) => e.t.buffer)).size).toBe(entries.length); // each slot once
    const shapes = visionWeightEntries(visionParamShapes(c));
    for (const [i, { name, t }] of entries.entries()) {
      expect(shapes[i].name).toBe(name);
      expect(t.shape, name).toEqual(shapes[i].t);
      expect(await ctx.read(t), name).toEqual(loaded.get(name)!.data);
    }
    const z = zerosLikeVisionWeights(ctx, w, 'adam.m.');
    const ze = visionWeightEntries(z);
    expect(ze[0].t.label).toBe('adam.m.model.vision_model.embeddings.patch_embedding.weight');
    for (const { name, t } of ze) expect((await ctx.read(t)).every((v) => v === 0), name).toBe(true);
    releaseVisionWeights(ctx, z);
    releaseVisionWeights(ctx, w);
  });
});
