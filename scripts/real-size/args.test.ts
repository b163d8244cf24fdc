// The real-size command line: --quick is the CI cut, --preset is required otherwise, and bad
// values are refused with the flag named.
import { describe, expect, test } from 'vitest';
import { FULL, parseRealSizeArgs, QUICK } from './args.ts';

describe('parseRealSizeArgs', () => {
  test('--quick: a 2-layer cut of smolvlm-256m, one VladVA update gradient-cached in 2 chunks', () => {
    expect(parseRealSizeArgs(['--quick'])).toEqual({ preset: 'smolvlm-256m', ...QUICK });
    expect(QUICK).toMatchObject({ layers: 2, trainSteps: 0, contrastBatch: 2, chunk: 1 });
    expect(parseRealSizeArgs(['--preset', 'smolvlm-256m', '--train-steps', '0']).trainSteps).toBe(0);
  });

  test('the full run: the preset named, the issue\'s sizes (4 + 4 embedded, batch 4, contrastive 64)', () => {
    expect(parseRealSizeArgs(['--preset', 'smolvlm-500m'])).toEqual({ preset: 'smolvlm-500m', ...FULL });
    expect(FULL).toMatchObject({ embedCount: 4, trainSteps: 2, trainBatch: 4, contrastBatch: 64, evalScenes: 8, layers: null });
    expect(parseRealSizeArgs(['--preset', 'smolvlm-256m', '--layers', '4', '--out', '/tmp/x'])).toMatchObject({ layers: 4, out: '/tmp/x' });
  });

  test.each([
    [[], /--preset is required/],
    [['--preset', 'llava'], /--preset must be one of smolvlm-256m, smolvlm-500m, got llava/],
    [['--quick', '--layers', '0'], /--layers needs an integer ≥ 1, got 0/],
    [['--quick', '--train-steps', '-1'], /--train-steps needs an integer ≥ 0, got -1/],
    [['--quick', '--contrast-batch', '4', '--chunk', '3'], /--contrast-batch \(4\) must be a multiple of --chunk \(3\)/],
    [['--quick', '--chunk', '8'], /--chunk \(8\) must not exceed --contrast-batch \(2\)/],
    [['--quick', '--bogus'], /unknown argument --bogus/],
    [['--preset', 'smolvlm-256m', '--out'], /--out needs a folder/],
  ])('refuses %j', (argv, re) => {
    expect(() => parseRealSizeArgs(argv as string[])).toThrow(re);
  });
});
