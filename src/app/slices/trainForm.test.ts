// The training form ↔ engine config: defaults round-trip, refused settings are named per
// field (as the Train screen shows them), blank/junk text is refused, not defaulted.
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG } from '../../shared/train_config.ts';
import { ALL_MODULES, defaultForm, fieldErrors, formToConfig } from './trainForm.ts';

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
