// Node tests of the CLI's pure parts: argument parsing, exit-code mapping, the .npy writer
// (checked against NumPy itself when python3 + numpy are present — they are on the dev
// machines; the check fails rather than skips if they are missing).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { EXIT, parseArgs, USAGE, UsageError } from './args.ts';
import { exitCodeFor } from './main.ts';
import { decodeNpy, encodeNpy, npyHeader } from './npy.ts';

test('train: defaults, values and the checks on them', () => {
  expect(parseArgs(['train', '--out', 'o'])).toEqual({
    command: 'train', model: null, data: 'synthetic', steps: 10, batch: 8, chunk: null, lr: null, seed: 0, count: null, config: null, run: null, out: 'o',
  });
  expect(parseArgs(['train', '--model', 'm', '--data', 'd.jsonl', '--steps', '2', '--batch', '4', '--chunk', '2', '--lr', '3e-4', '--out', 'o']))
    .toMatchObject({ model: 'm', data: 'd.jsonl', steps: 2, batch: 4, chunk: 2, lr: 3e-4 });
  const bad: [string[], RegExp][] = [
    [['train'], /needs --out/],
    [['train', '--out', 'o', '--steps', '0'], /--steps needs an integer ≥ 1, got 0/],
    [['train', '--out', 'o', '--batch', '1'], /--batch needs an integer ≥ 2/],
    [['train', '--out', 'o', '--batch', '4', '--chunk', '8'], /--chunk 8 is larger than --batch 4/],
    [['train', '--out', 'o', '--lr', 'abc'], /--lr needs a positive number/],
    [['train', '--out', 'o', '--steps'], /--steps needs a value/],
    [['train', '--out', 'o', '--out', 'p'], /--out given twice/],
    [['train', '--out', 'o', '--texts', 't'], /unknown option --texts/],
    [['fly'], /unknown command "fly"/],
    [['train', 'stray'], /unexpected argument "stray"/],
  ];
  for (const [argv, msg] of bad) expect(() => parseArgs(argv), argv.join(' ')).toThrow(msg);
  expect(() => parseArgs(['train'])).toThrow(UsageError);
});

test('embed takes many --images values; eval defaults; help', () => {
  expect(parseArgs(['embed', '--images', 'a.png', 'b/', '--texts', 't.txt', '--out', 'e.npy']))
    .toEqual({ command: 'embed', model: null, adapter: null, images: ['a.png', 'b/'], texts: 't.txt', out: 'e.npy' });
  expect(() => parseArgs(['embed', '--out', 'e.npy'])).toThrow(/--images and\/or --texts/);
  expect(parseArgs(['eval'])).toEqual({ command: 'eval', model: null, adapter: null, count: 32, seed: 7, out: null });
  expect(() => parseArgs([])).toThrow(/no command given/); // usage error → exit 2
  expect(parseArgs(['--help'])).toEqual({ command: 'help' });
  expect(parseArgs(['train', '--resume', 'runs/a'])).toEqual({ command: 'resume', dir: 'runs/a' });
  expect(() => parseArgs(['train', '--resume', 'runs/a', '--steps', '3'])).toThrow(/exactly one folder and no other option/);
  expect(() => parseArgs(['train', '--resume'])).toThrow(/exactly one folder/);
  expect(parseArgs(['train', '--help'])).toEqual({ command: 'help' });
  for (const code of Object.values(EXIT)) expect(USAGE).toMatch(new RegExp(`^  ${code}  `, 'm')); // every code documented
});

test('exit codes follow the error class', () => {
  const named = (name: string) => Object.assign(new Error('x'), { name });
  expect(exitCodeFor(named('DataInputError'))).toBe(3);
  expect(exitCodeFor(named('TrainConfigError'))).toBe(3);
  expect(exitCodeFor(named('WebGpuUnavailableError'))).toBe(4);
  expect(exitCodeFor(named('NonFiniteLossError'))).toBe(5);
  expect(exitCodeFor(named('UsageError'))).toBe(2);
  expect(exitCodeFor(named('TypeError'))).toBe(1);
});

test('npy header: magic, version 1.0, 64-byte alignment, tuple shapes', () => {
  for (const shape of [[3, 64], [5], [2, 3, 4], [0, 8]]) {
    const h = npyHeader(shape);
    expect([...h.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    expect(h.length % 64).toBe(0);
    expect(new DataView(h.buffer).getUint16(8, true)).toBe(h.length - 10);
    expect(h[h.length - 1]).toBe(0x0a);
  }
  expect(new TextDecoder().decode(npyHeader([5]).subarray(10))).toContain("'shape': (5,)");
  expect(() => encodeNpy(new Float32Array(5), [2, 3])).toThrow(/holds 6 values but the data has 5/);
});

test('npy round trip, and NumPy reads what we write', () => {
  const data = Float32Array.from({ length: 3 * 7 }, (_, i) => (i - 10) / 3);
  const bytes = encodeNpy(data, [3, 7]);
  const back = decodeNpy(bytes);
  expect(back.shape).toEqual([3, 7]);
  expect(back.data).toEqual(data);
  const dir = mkdtempSync(join(tmpdir(), 'discern-npy-'));
  writeFileSync(join(dir, 'a.npy'), bytes);
  const out = execFileSync('python3', ['-c',
    'import json,sys; import numpy as np; a=np.load(sys.argv[1]); print(json.dumps([str(a.dtype), list(a.shape), a.ravel().tolist()]))', join(dir, 'a.npy')]).toString();
  const [dtype, shape, values] = JSON.parse(out) as [string, number[], number[]];
  expect(dtype).toBe('float32');
  expect(shape).toEqual([3, 7]);
  expect(values).toEqual(Array.from(data)); // exact: float32 → Python float → JSON → JS number
});
