// The recommended recipe: discern.json is parsed strictly (file + field named), the bundled
// models' recipes are valid, and a folder without one gets defaults scaled to its width.
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { folderFromMap } from '../../model/io/folder.ts';
import { validateTrainConfig } from './config.ts';
import { withRecipe } from './config.ts';
import { parseRecipe, recipeFor, RecipeError, sizeRecipe, RECIPE_FILE } from './recipe.ts';

const enc = (o: unknown) => new TextEncoder().encode(typeof o === 'string' ? o : JSON.stringify(o));
const good = { format: 1, why: 'chosen on val', recipe: { steps: 60, batchSize: 16, lr: 0.01, lora: { rank: 8 } } };

describe('parseRecipe', () => {
  test('a valid recipe merges over the defaults, lora field by field', () => {
    const r = parseRecipe(good, 'm/discern.json');
    expect(r.source).toBe('discern.json');
    const full = withRecipe(r.config);
    expect(full).toMatchObject({ steps: 60, batchSize: 16, lr: 0.01, chunkSize: 16, lora: { rank: 8, alpha: 16 } });
    expect('config' in validateTrainConfig(full)).toBe(true);
  });

  test.each([
    [{ ...good, format: 2 }, /m\/discern.json: "format" must be 1, got 2/],
    [{ ...good, extra: 1 }, /unknown key\(s\) "extra"/],
    [{ ...good, why: '' }, /"why" must be a sentence/],
    [{ ...good, recipe: [] }, /"recipe" must be an object/],
    [{ ...good, recipe: { batchSize: 1 } }, /not a valid training configuration: batchSize: must be an integer in 2…65536/],
    [{ ...good, recipe: { learningRate: 1 } }, /learningRate: is not a training setting/],
    [{ ...good, recipe: { chunkSize: 64, batchSize: 16 } }, /chunkSize: must be an integer in 1…16/],
  ])('refuses %j', (json, re) => {
    expect(() => parseRecipe(json, 'm/discern.json')).toThrow(RecipeError);
    expect(() => parseRecipe(json, 'm/discern.json')).toThrow(re);
  });
});

describe('the bundled models', () => {
  const root = 'public/models';
  for (const name of readdirSync(root)) {
    const file = `${root}/${name}/${RECIPE_FILE}`;
    if (!existsSync(file)) continue;
    test(`${name}/discern.json is a valid recipe`, () => {
      const r = parseRecipe(JSON.parse(readFileSync(file, 'utf8')), file);
      expect('config' in validateTrainConfig(withRecipe(r.config))).toBe(true);
    });
  }
  test.each(['discern-tiny', 'discern-tiny-v2'])('%s ships the evidence recipe (lr 1e-2 chosen on val, batch 16)', (name) => {
    const r = parseRecipe(JSON.parse(readFileSync(`${root}/${name}/${RECIPE_FILE}`, 'utf8')), name);
    expect(r.config).toMatchObject({ lr: 0.01, batchSize: 16, steps: 60 });
    expect(r.why).toMatch(/val/);
  });
});

describe('sizeRecipe / recipeFor', () => {
  test('lr scales as 1e-4 · 4096 / width, clamped, one significant digit; every result validates', () => {
    expect(sizeRecipe({ hidden: 4096, layers: 32 }).config.lr).toBe(1e-4);
    expect(sizeRecipe({ hidden: 960, layers: 32 }).config.lr).toBe(0.0004);
    expect(sizeRecipe({ hidden: 576, layers: 30 }).config.lr).toBe(0.0007);
    expect(sizeRecipe({ hidden: 64, layers: 2 }).config.lr).toBe(0.006);
    expect(sizeRecipe({ hidden: 16, layers: 1 }).config.lr).toBe(0.01);
    expect(sizeRecipe({ hidden: 16384, layers: 1 }).config.lr).toBe(1e-4);
    for (const hidden of [16, 64, 256, 576, 960, 4096]) {
      const r = sizeRecipe({ hidden, layers: 4 });
      expect(r.source).toBe('model size');
      expect(r.why).toContain(`width ${hidden}`);
      expect('config' in validateTrainConfig(withRecipe(r.config))).toBe(true);
    }
  });

  test('a folder with discern.json uses it; without, the size recipe; bad JSON names the file', async () => {
    const dims = { hidden: 576, layers: 30 };
    expect((await recipeFor(folderFromMap('m', { [RECIPE_FILE]: enc(good) }), dims)).config.lr).toBe(0.01);
    expect(await recipeFor(folderFromMap('m', {}), dims)).toEqual(sizeRecipe(dims));
    await expect(recipeFor(folderFromMap('m', { [RECIPE_FILE]: enc('{oops') }), dims)).rejects.toThrow(/m\/discern.json: is not valid JSON/);
  });
});
