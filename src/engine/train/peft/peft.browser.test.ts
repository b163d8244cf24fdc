// PEFT import as the UI does it in Chromium: exported files become File objects (as picked or
// dropped), read through folderFromFiles → Blob.slice; the round trip stays bit-identical.
import { expect, test } from 'vitest';
import { folderFromFiles } from '../../model/io/folder.ts';
import { randomAdapters, TINY_DIMS } from '../checkpoint/test_fixture.ts';
import { Rng } from '../rng.ts';
import { exportPeft } from './export.ts';
import { importPeft } from './import.ts';

test('export → File objects → folderFromFiles → importPeft is bit-identical', async () => {
  const rng = Rng.fromSeed(77);
  const adapters = randomAdapters(TINY_DIMS, 4, rng, 8);
  const softPrompts = { hidden: 8, image: rng.fillNormal(new Float32Array(24)), text: rng.fillNormal(new Float32Array(40)) };
  const files = exportPeft(adapters, softPrompts, { baseModel: 'tiny', imagePrompt: '<image> in one word:', textPrompt: '<sent> in one word:', logTau: -3 });
  const picked = [...files].map(([name, bytes]) => new File([bytes as Uint8Array<ArrayBuffer>], name));
  const back = await importPeft(folderFromFiles(picked, 'my-adapter'), { dims: TINY_DIMS });
  const bits = (a: Float32Array) => new Uint32Array(a.slice().buffer);
  for (let l = 0; l < TINY_DIMS.layers; l++) {
    for (const m of adapters.modules) {
      expect(bits(back.adapters.layers[l][m]!.A)).toEqual(bits(adapters.layers[l][m]!.A));
      expect(bits(back.adapters.layers[l][m]!.B)).toEqual(bits(adapters.layers[l][m]!.B));
    }
  }
  expect(bits(back.softPrompts!.text)).toEqual(bits(softPrompts.text));
  expect(back.logTau).toBe(-3);
  expect(back.adapters.rank).toBe(4);
  await expect(importPeft(folderFromFiles(picked.filter((f) => f.name !== 'adapter_config.json'), 'half')))
    .rejects.toThrow(/adapter_config.json: missing from half/);
});
