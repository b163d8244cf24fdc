// where-probe --quick (36 single-object scenes) on the bundled models: discern-tiny-v2's vision
// encoder puts each cell's object in its own image token and its features place held-out objects
// in their cell, while v1's do not (the finding this diagnoses — v2's captions place objects at
// chance although its image tokens carry the cell — is in docs/PRETRAINING.md).
import { resolve } from 'node:path';
import { expect, test } from 'vitest';
import { whereProbe } from './where-probe.ts';

const folder = (name: string) => resolve(import.meta.dirname, '../../public/models', name);

test('v2: each of the 9 cells lights its own image token and the cell is decodable; v1: much less so', async () => {
  const v2 = await whereProbe(folder('discern-tiny-v2'), true);
  expect(v2.tokens).toBe(9);
  expect(v2.probeTotal).toBe(18);
  expect(v2.perCellArgmax.map((row) => row.indexOf(Math.max(...row)))).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  expect(v2.probeCorrect).toBeGreaterThanOrEqual(16);
  const v1 = await whereProbe(folder('discern-tiny'), true);
  expect(v1.probeCorrect).toBeLessThan(v2.probeCorrect - 8);
}, 60_000);
