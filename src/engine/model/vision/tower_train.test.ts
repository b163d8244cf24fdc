// Rung (i) of the ladder for the vision tower backward: the CPU reference (tower_train.ref.ts)
// against float64 central finite differences, on a tiny odd config (image 12, patch 3 → 4×4
// patches, scale 2 → 4 tokens, D 12, 3 heads, I 20, 2 layers, connector to Dt 10), 2 images,
// loss = Σ features·R for a random R. Also: its forward equals the independent visionForwardRef,
// and each index map's backward is its forward's adjoint (<f(x), y> = <x, fᵀ(y)>).
import { describe, expect, test } from 'vitest';
import { buildTinyModel, DEFAULT_TINY } from '../../../../scripts/tiny-model/tiny-model.ts';
import { dot, expectClose, finiteDiff } from '../../testing/compare.ts';
import { mulberry32, randn } from '../../testing/random.ts';
import { visionForwardRef } from '../io/vision.ref.ts';
import {
  addPositionBackwardRef, addPositionRef, hostVisionParams, im2colBackwardRef, im2colRef, pixelShuffleBackwardRef,
  pixelShuffleRef, visionTowerBackwardRef, visionTowerForwardTrainRef, zerosVisionParams,
} from './tower_train.ref.ts';
import { mapVisionParams, visionParamShapes, visionWeightEntries } from './tower_train.ts';

const model = buildTinyModel({
  seed: 3,
  vision: { hidden: 12, layers: 2, heads: 3, intermediate: 20, image: 12, patch: 3 },
  text: { ...DEFAULT_TINY.text, hidden: 10, heads: 2, kvHeads: 1, headDim: 5 },
  scaleFactor: 2,
});
const c = model.config;
const get = (name: string) => model.weights[name].data;
const M = 2;
const pixels = Float64Array.from(randn(M * 3 * 12 * 12, 5));

describe('vision tower training reference (CPU)', () => {
  test('forward equals visionForwardRef (an independent implementation)', () => {
    expect(c.imageTokensPerImage).toBe(4);
    const w = hostVisionParams(c, get);
    const { features } = visionTowerForwardTrainRef(w, c, pixels, M);
    const ref = visionForwardRef(new Map(Object.entries(model.weights)), c, Float32Array.from(pixels), M);
    expectClose(features, ref.features, 'features', { atol: 1e-6, rtol: 1e-5 });
    expect(Math.max(...features.map(Math.abs))).toBeGreaterThan(0.1);
  });

  test('backward of every slot matches central finite differences (several elements each)', () => {
    const w = hostVisionParams(c, get);
    const R = Float64Array.from(randn(M * 4 * 10, 9));
    const loss = () => dot(visionTowerForwardTrainRef(w, c, pixels, M).features, R);
    const grads = zerosVisionParams(c);
    const { state } = visionTowerForwardTrainRef(w, c, pixels, M);
    const dPixels = visionTowerBackwardRef(R, state, w, grads, c);
    const rng = mulberry32(17);
    const params = visionWeightEntries(w), gs = visionWeightEntries(grads);
    expect(params.length).toBe(3 + 2 * 16 + 3);
    params.forEach(({ name, t }, i) => {
      const idx = [...new Set(Array.from({ length: 3 }, () => Math.floor(rng() * t.length)))];
      const want = finiteDiff(loss, t, 1e-5, idx);
      const got = gs[i].t;
      // k_proj.bias adds q·b to a whole softmax row: its true gradient is exactly 0
      if (!name.endsWith('k_proj.bias')) expect(idx.some((j) => Math.abs(got[j]) > 1e-6), `${name}: gradient is not trivially zero`).toBe(true);
      expectClose(idx.map((j) => got[j]), idx.map((j) => want[j]), `d loss / d ${name}`, { atol: 1e-7, rtol: 1e-5 });
    });
    const pIdx = [0, 37, 200, 431, pixels.length - 1];
    const want = finiteDiff(loss, pixels, 1e-5, pIdx);
    expectClose(pIdx.map((j) => dPixels[j]), pIdx.map((j) => want[j]), 'd loss / d pixels', { atol: 1e-7, rtol: 1e-5 });
  });

  test('every index map backward is the adjoint of its forward (odd sizes)', () => {
    const [m, C, S, p, n, s, D] = [3, 2, 10, 5, 6, 3, 5];
    const px = Float64Array.from(randn(m * C * S * S, 1)), cg = Float64Array.from(randn(m * C * S * S, 2));
    const cols = new Float64Array(px.length), dpx = new Float64Array(px.length);
    im2colRef(cols, px, m, C, S, p);
    im2colBackwardRef(dpx, cg, m, C, S, p);
    expect(dot(cols, cg)).toBeCloseTo(dot(px, dpx), 10);
    const x = Float64Array.from(randn(m * n * n * D, 3)), y = Float64Array.from(randn(x.length, 4));
    const out = new Float64Array(x.length), dx = new Float64Array(x.length);
    pixelShuffleRef(out, x, m, n, s, D);
    pixelShuffleBackwardRef(dx, y, m, n, s, D);
    expect(dot(out, y)).toBeCloseTo(dot(x, dx), 10);
    expect([...out].sort()).toEqual([...x].sort()); // a permutation
    const pos = Float64Array.from(randn(n * D, 5)), dPos = new Float64Array(pos.length);
    const xp = new Float64Array(x.length);
    addPositionRef(xp, pos); // x = 0 → broadcast of pos
    addPositionBackwardRef(dPos, y);
    expect(dot(xp, y)).toBeCloseTo(dot(pos, dPos), 10);
  });

  test('names and shapes: the record covers exactly the vision checkpoint tensors', () => {
    const shapes = visionWeightEntries(visionParamShapes(c));
    const want = Object.entries(model.weights).filter(([n]) => n.startsWith('model.vision_model.') || n.startsWith('model.connector.'));
    expect(shapes.map((e) => e.name).sort()).toEqual(want.map(([n]) => n).sort());
    for (const { name, t } of shapes) expect(t.reduce((a, b) => a * b, 1), name).toBe(model.weights[name].data.length);
    // mapVisionParams keeps the entry order
    expect(visionWeightEntries(mapVisionParams(visionParamShapes(c), (_, name) => name)).map((e) => e.t)).toEqual(shapes.map((e) => e.name));
  });
});
