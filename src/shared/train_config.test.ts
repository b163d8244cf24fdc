// validateTrainConfig: the defaults pass; every bad setting is refused with its field and reason.
import { describe, expect, test } from 'vitest';
import { DEFAULT_TRAIN_CONFIG, describeConfigErrors, validateTrainConfig, type TrainConfig } from './train_config.ts';

const withField = (patch: Record<string, unknown>) => ({ ...DEFAULT_TRAIN_CONFIG, ...patch });
const errorsOf = (c: unknown) => {
  const r = validateTrainConfig(c);
  if ('config' in r) throw new Error(`expected errors for ${JSON.stringify(c)}`);
  return r.errors;
};

describe('validateTrainConfig', () => {
  test('the defaults are valid and come back as an equal, separate object', () => {
    const r = validateTrainConfig(structuredClone(DEFAULT_TRAIN_CONFIG));
    expect('config' in r && r.config).toEqual(DEFAULT_TRAIN_CONFIG);
    expect(DEFAULT_TRAIN_CONFIG.lr).toBe(1e-4);
    expect(DEFAULT_TRAIN_CONFIG.lora.rank).toBe(16);
    expect(DEFAULT_TRAIN_CONFIG.lora.modules).toEqual(['q', 'k', 'v', 'o', 'gate', 'up', 'down']);
  });

  test('settings added later (accumulationSteps, activationRecompute) default when absent and are checked', () => {
    const { accumulationSteps: _a, activationRecompute: _r, ...older } = DEFAULT_TRAIN_CONFIG;
    const r = validateTrainConfig(older);
    expect('config' in r && r.config.accumulationSteps === 1 && r.config.activationRecompute === false).toBe(true);
    const bad = validateTrainConfig({ ...DEFAULT_TRAIN_CONFIG, accumulationSteps: 0, activationRecompute: 'yes' });
    expect('errors' in bad && bad.errors.map((e) => e.field)).toEqual(['accumulationSteps', 'activationRecompute']);
  });

  test('trainLora / trainSoftPrompts default to true when absent, are checked, and not both false', () => {
    const { trainLora: _l, trainSoftPrompts: _s, ...older } = DEFAULT_TRAIN_CONFIG;
    const r = validateTrainConfig(older);
    expect('config' in r && r.config.trainLora === true && r.config.trainSoftPrompts === true).toBe(true);
    for (const [l, s] of [[false, true], [true, false]]) {
      const ok = validateTrainConfig(withField({ trainLora: l, trainSoftPrompts: s }));
      expect('config' in ok && ok.config.trainLora === l && ok.config.trainSoftPrompts === s).toBe(true);
    }
    expect(errorsOf(withField({ trainLora: false, trainSoftPrompts: false }))).toEqual([
      { field: 'trainLora', message: 'and trainSoftPrompts are both false: nothing to train' },
    ]);
    expect(errorsOf(withField({ trainLora: 0, trainSoftPrompts: 'no' })).map((e) => e.field)).toEqual(['trainLora', 'trainSoftPrompts']);
  });

  test('LoRA modules come back in canonical order', () => {
    const r = validateTrainConfig(withField({ lora: { rank: 4, alpha: 8, modules: ['down', 'q'] } }));
    expect('config' in r && r.config.lora.modules).toEqual(['q', 'down']);
  });

  const cases: [string, Record<string, unknown>, string, RegExp][] = [
    ['batch of one', { batchSize: 1 }, 'batchSize', /integer in 2…65536 \(the contrastive loss needs in-batch negatives\), got 1/],
    ['fractional batch', { batchSize: 7.5 }, 'batchSize', /integer/],
    ['chunk above batch', { batchSize: 8, chunkSize: 9 }, 'chunkSize', /in 1…8 \(a chunk is part of the batch\), got 9/],
    ['chunk 0', { chunkSize: 0 }, 'chunkSize', /got 0/],
    ['both λ zero', { lambdaContrastive: 0, lambdaNextToken: 0 }, 'lambdaContrastive', /both 0: nothing would be trained/],
    ['negative λ', { lambdaNextToken: -1 }, 'lambdaNextToken', /≥ 0, got -1/],
    ['zero lr', { lr: 0 }, 'lr', /> 0 .*got 0/],
    ['negative lr', { lr: -1e-4 }, 'lr', /> 0/],
    ['NaN lr', { lr: NaN }, 'lr', /finite number, got NaN/],
    ['lr as a string', { lr: '1e-4' }, 'lr', /finite number, got "1e-4"/],
    ['zero temperature', { temperature: 0 }, 'temperature', /> 0 \(InfoNCE divides by it\)/],
    ['negative temperature', { temperature: -0.05 }, 'temperature', /> 0/],
    ['rank 0', { lora: { rank: 0, alpha: 16, modules: ['q'] } }, 'lora.rank', /1…256, got 0/],
    ['rank 512', { lora: { rank: 512, alpha: 16, modules: ['q'] } }, 'lora.rank', /1…256, got 512/],
    ['alpha 0', { lora: { rank: 4, alpha: 0, modules: ['q'] } }, 'lora.alpha', /> 0/],
    ['unknown module', { lora: { rank: 4, alpha: 4, modules: ['q', 'qkv'] } }, 'lora.modules', /unknown module\(s\) \["qkv"\]/],
    ['no modules', { lora: { rank: 4, alpha: 4, modules: [] } }, 'lora.modules', /non-empty/],
    ['duplicate module', { lora: { rank: 4, alpha: 4, modules: ['q', 'q'] } }, 'lora.modules', /twice/],
    ['warmup past the end', { steps: 10, warmupSteps: 11 }, 'warmupSteps', /must not exceed steps \(10\)/],
    ['zero steps', { steps: 0 }, 'steps', /in 1…1000000 .*got 0/],
    ['a trillion steps', { steps: 1e12 }, 'steps', /in 1…1000000 \(a million updates is weeks in a browser\), got 1000000000000/],
    ['lr 1e9', { lr: 1e9 }, 'lr', /must be ≤ 100000000 \(far past divergence already\), got 1000000000/],
    ['weight decay 100', { weightDecay: 100 }, 'weightDecay', /≤ 10 \(AdamW multiplies/],
    ['temperature 1e3', { temperature: 1e3 }, 'temperature', /≤ 100/],
    ['keep 5000 checkpoints', { keepCheckpoints: 5000 }, 'keepCheckpoints', /in 1…1000 \(each checkpoint takes browser storage\)/],
    ['min lr ratio 2', { minLrRatio: 2 }, 'minLrRatio', /\[0, 1\], got 2/],
    ['negative weight decay', { weightDecay: -0.1 }, 'weightDecay', /≥ 0/],
    ['zero clip', { maxGradNorm: 0 }, 'maxGradNorm', /> 0/],
    ['learnTemperature "yes"', { learnTemperature: 'yes' }, 'learnTemperature', /true or false, got "yes"/],
    ['negative seed', { seed: -1 }, 'seed', /0…4294967295/],
    ['keep 0 checkpoints', { keepCheckpoints: 0 }, 'keepCheckpoints', /in 1…1000 .*got 0/],
    ['negative checkpoint interval', { checkpointEvery: -5 }, 'checkpointEvery', /in 0…1000000 .*got -5/],
    ['negative validation interval', { validateEvery: -1 }, 'validateEvery', /in 0…1000000/],
    ['long captions of 0 tokens', { maxLongTokens: 0 }, 'maxLongTokens', /1…4096/],
    ['a typo', { learningRate: 1e-3 }, 'learningRate', /is not a training setting/],
  ];
  test.each(cases)('refuses %s', (_name, patch, field, message) => {
    const errs = errorsOf(withField(patch));
    const e = errs.find((x) => x.field === field);
    expect(e, `errors: ${describeConfigErrors(errs)}`).toBeDefined();
    expect(e!.message).toMatch(message);
  });

  test('every numeric field has an upper bound: 1e15 in any of them is refused, naming it', () => {
    const top = ['steps', 'batchSize', 'chunkSize', 'lr', 'warmupSteps', 'minLrRatio', 'weightDecay', 'maxGradNorm',
      'lambdaContrastive', 'lambdaNextToken', 'temperature', 'seed', 'checkpointEvery', 'keepCheckpoints', 'validateEvery',
      'maxLongTokens', 'accumulationSteps'];
    for (const f of top) expect(errorsOf(withField({ [f]: 1e15 })).map((e) => e.field), f).toContain(f);
    for (const f of ['rank', 'alpha']) {
      const lora = { ...DEFAULT_TRAIN_CONFIG.lora, [f]: 1e15 };
      expect(errorsOf(withField({ lora })).map((e) => e.field)).toContain(`lora.${f}`);
    }
    // the largest accepted values still pass (bounds are inclusive)
    expect('config' in validateTrainConfig(withField({ steps: 1_000_000, lr: 1e8, weightDecay: 10 }))).toBe(true);
  });

  test('reports every bad field at once, and missing fields by name', () => {
    const errs = errorsOf(withField({ batchSize: 1, lr: 0, temperature: -1 }));
    expect(errs.map((e) => e.field).sort()).toEqual(['batchSize', 'lr', 'temperature']);
    const { steps: _s, ...noSteps } = DEFAULT_TRAIN_CONFIG as TrainConfig;
    expect(errorsOf(noSteps)).toEqual([{ field: 'steps', message: 'is missing' }]);
    expect(errorsOf(null)[0]).toEqual({ field: '(config)', message: 'must be an object, got null' });
  });
});
