// CI-sized smoke of `npm run bench:load -- --quick`: the app's own Vite config and headless
// Chromium load the default bundled model through the Model screen once (after a warm-up) and
// print the load time the playground shows. No time is asserted (shared machine): the test checks
// that a real load happened and was reported, and that bad command lines are refused.
import { expect, test } from 'vitest';
import { DEFAULT_BUNDLED_MODEL } from '../../src/protocol/messages.ts';
import { runScript } from '../run-script.ts';
import { LoadArgsError, parseLoadArgs, PAUSE_S } from './playground-load.ts';

test('--quick loads the default model in the playground and prints its load time', async () => {
  const r = await runScript('scripts/bench/playground-load.ts', ['--quick']);
  expect(r.code, r.out).toBe(0);
  const lines = r.out.split('\n').filter((l) => l.startsWith(`${DEFAULT_BUNDLED_MODEL}: median `));
  expect(lines, r.out).toHaveLength(2);
  expect(lines[0]).toMatch(/median (\d+\.\d\d) s, min \1 s, max \1 s over 1 loads .* as soon as the page is up/);
  expect(lines[1]).toMatch(new RegExp(`median (\\d+\\.\\d\\d) s, min \\1 s, max \\1 s over 1 loads .* ${PAUSE_S} s after the page opened`));
  for (const l of lines) expect(Number(/median (\S+) s/.exec(l)![1])).toBeGreaterThan(0);
}, 240_000);

test('arguments: defaults, --quick, and refusals', () => {
  expect(parseLoadArgs([])).toEqual({ models: [DEFAULT_BUNDLED_MODEL, 'discern-tiny'], reps: 5 });
  expect(parseLoadArgs(['--quick'])).toEqual({ models: [DEFAULT_BUNDLED_MODEL], reps: 1 });
  expect(parseLoadArgs(['--models', 'tiny-random', '--reps', '3'])).toEqual({ models: ['tiny-random'], reps: 3 });
  expect(() => parseLoadArgs(['--models', 'gpt-5'])).toThrow(LoadArgsError);
  expect(() => parseLoadArgs(['--reps', '0'])).toThrow(/positive integer/);
  expect(() => parseLoadArgs(['--reps'])).toThrow(/needs a value/);
  expect(() => parseLoadArgs(['--fast'])).toThrow(/unknown argument/);
});
