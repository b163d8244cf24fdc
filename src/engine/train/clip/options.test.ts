// ClipOptions: defaults fill the optional fields (an explicit undefined too); every bad field
// is refused with its name.
import { describe, expect, test } from 'vitest';
import { CLIP_DEFAULTS, resolveClipOptions } from './options.ts';

describe('resolveClipOptions', () => {
  const base = { seed: 1, lr: 1e-3, warmupSteps: 2, steps: 10 };

  test('defaults, overrides, explicit undefined', () => {
    expect(resolveClipOptions(base)).toEqual({ ...CLIP_DEFAULTS, ...base });
    expect(resolveClipOptions({ ...base, weightDecay: undefined, temperature: 0.05 })).toMatchObject({ weightDecay: 0.01, temperature: 0.05 });
  });

  test('bad fields are named', () => {
    const bad: [object, RegExp][] = [
      [{ seed: 0.5 }, /options\.seed must be an integer/],
      [{ lr: -1 }, /options\.lr must be a finite number ≥ 0, got -1/],
      [{ steps: 0 }, /options\.steps must be a positive integer/],
      [{ warmupSteps: 11 }, /options\.warmupSteps must be an integer in \[0, steps = 10\], got 11/],
      [{ maxGradNorm: 0 }, /options\.maxGradNorm/],
      [{ temperature: 0 }, /options\.temperature/],
      [{ minLrRatio: 2 }, /options\.minLrRatio must be in \[0, 1\]/],
      [{ maxTextTokens: 0 }, /options\.maxTextTokens/],
      [{ learnTemperature: 'yes' }, /options\.learnTemperature must be true or false/],
    ];
    for (const [o, re] of bad) expect(() => resolveClipOptions({ ...base, ...o } as never)).toThrow(re);
  });
});
