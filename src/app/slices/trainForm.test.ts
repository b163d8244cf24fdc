// The training form ↔ engine config: defaults round-trip, refused settings are named per
// field (as the Train screen shows them), blank/junk text is refused, not defaulted.
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/train_config.ts';
import { ALL_MODULES, clampBatch, defaultForm, fieldErrors, formForRecipe, formToConfig } from './trainForm.ts';

describe('formToConfig', () => {
  test('the default form is the engine default config', () => {
    const r = formToConfig(defaultForm(), [...ALL_MODULES], false);
    expect(r.errors).toBeNull();
    expect(r.config).toEqual(DEFAULT_TRAIN_CONFIG);
  });

  test('batch 1 and lr −1 are refused with a reason per field', () => {
    const r = formToConfig({ ...defaultForm(), batchSize: '1', lr: '-1' }, ['q', 'v'], false);
    expect(r.config).toBeNull();
    expect(Object.keys(r.errors!).sort()).toEqual(['batchSize', 'lr']);
    expect(r.errors!.batchSize).toMatch(/in-batch negatives.*got 1/);
    expect(r.errors!.lr).toMatch(/> 0.*got -1/);
  });

  test('blank and non-numeric text are refused, LoRA fields keep their dotted names', () => {
    const r = formToConfig({ ...defaultForm(), steps: '', 'lora.rank': 'four' }, [], false);
    expect(r.errors).toMatchObject({ steps: expect.stringMatching(/finite number/), 'lora.rank': expect.stringMatching(/finite number/), 'lora.modules': expect.stringMatching(/non-empty/) });
  });

  test('modules come back in canonical order; values are numbers', () => {
    const r = formToConfig({ ...defaultForm(), steps: '3', warmupSteps: '0', batchSize: '4', chunkSize: '2' }, ['v', 'q'], true);
    expect(r.config).toMatchObject({ steps: 3, batchSize: 4, chunkSize: 2, learnTemperature: true, lora: { modules: ['q', 'v'] } });
  });
});

test('fieldErrors joins several messages for one field', () => {
  expect(fieldErrors([{ field: 'a', message: 'x' }, { field: 'a', message: 'y' }, { field: 'b', message: 'z' }])).toEqual({ a: 'x; y', b: 'z' });
});

describe('recipes and the batch clamp', () => {
  const recipe = { steps: 60, batchSize: 16, lr: 0.01, maxLongTokens: 48, lora: { rank: 8 } };

  test('the recipe sets the form and the hidden fields; untouched form → recipe over defaults', () => {
    const form = defaultForm(recipe);
    expect(form).toMatchObject({ steps: '60', batchSize: '16', lr: '0.01', 'lora.rank': '8', 'lora.alpha': '16' });
    const r = formToConfig(form, [...ALL_MODULES], false, recipe);
    expect(r.config).toEqual({ ...DEFAULT_TRAIN_CONFIG, ...recipe, lora: { ...DEFAULT_TRAIN_CONFIG.lora, rank: 8 } });
  });

  test('a model load keeps the fields the user typed and takes the recipe for the rest', () => {
    const current = { form: { ...defaultForm(), steps: '7', lr: '0.5' }, modules: ['q'], learnTemperature: true };
    const next = formForRecipe(recipe, current, ['steps', 'lora.modules']);
    expect(next.form).toMatchObject({ steps: '7', lr: '0.01', batchSize: '16' });
    expect(next.modules).toEqual(['q']);
    expect(next.learnTemperature).toBe(false);
    expect(formForRecipe(recipe, current, []).modules).toEqual([...ALL_MODULES]);
  });

  test('the batch is lowered to the training split with a note; chunk follows; small or unknown splits untouched', () => {
    const c = { ...DEFAULT_TRAIN_CONFIG, batchSize: 64, chunkSize: 16 };
    const r = clampBatch(c, 28);
    expect(r.config).toMatchObject({ batchSize: 28, chunkSize: 16 });
    expect(r.note).toBe('Batch lowered from 64 to 28: the training split has 28 examples.');
    expect(clampBatch(c, 8)).toMatchObject({ config: { batchSize: 8, chunkSize: 8 }, note: expect.stringContaining('(chunk 16 → 8)') });
    expect(clampBatch(c, 64)).toEqual({ config: c, note: null });
    expect(clampBatch(c, undefined)).toEqual({ config: c, note: null });
    expect(clampBatch(c, 1).note).toBeNull();
  });
});
