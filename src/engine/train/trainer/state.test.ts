// Checkpoint names of trainables, LoRA init from the init stream, and the finiteness check.
import { describe, expect, test } from 'vitest';
import { LORA_MODULES, linearShape } from '../../model/decoder/types.ts';
import { TINY_DIMS } from '../checkpoint/test_fixture.ts';
import { trainableTensors } from '../checkpoint/types.ts';
import { Rng } from '../rng.ts';
import { allFinite, checkpointName, initAdapters } from './state.ts';

describe('trainer state', () => {
  test('trainable names map onto the checkpoint tensor names', () => {
    expect(checkpointName('L0.q.A')).toBe('lora.0.q.A');
    expect(checkpointName('L12.down.B')).toBe('lora.12.down.B');
    expect(checkpointName('softPrompt.image')).toBe('soft.image');
    expect(checkpointName('softPrompt.text')).toBe('soft.text');
    expect(checkpointName('logTau')).toBe('logTau');
    expect(() => checkpointName('embed')).toThrow(/no checkpoint name for trainable "embed"/);
  });

  test('LoRA init: A uniform within ±1/√in, B zero, reproducible from the init stream, names match the checkpoint', () => {
    const a = initAdapters(TINY_DIMS, { rank: 3, alpha: 6, modules: LORA_MODULES }, Rng.fromSeed(4, 1));
    const b = initAdapters(TINY_DIMS, { rank: 3, alpha: 6, modules: LORA_MODULES }, Rng.fromSeed(4, 1));
    expect(a).toEqual(b);
    for (const m of LORA_MODULES) {
      const [out, inF] = linearShape(TINY_DIMS, m);
      const p = a.layers[1][m]!;
      expect(p.A.length).toBe(3 * inF);
      expect(p.B).toEqual(new Float32Array(out * 3));
      expect(Math.max(...p.A.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(inF));
      expect(new Set(p.A).size).toBe(p.A.length);
    }
    const sp = { hidden: 8, image: new Float32Array(16), text: new Float32Array(8) };
    const names = [...trainableTensors({ adapters: a, softPrompts: sp, logTau: 0 }).keys()];
    expect(names).toContain('lora.1.gate.B');
    expect(allFinite({ adapters: a, softPrompts: sp, logTau: Math.log(0.05) })).toBe(true);
    a.layers[0].v!.B[2] = Infinity;
    expect(allFinite({ adapters: a, softPrompts: sp, logTau: 0 })).toBe(false);
    expect(allFinite({ adapters: b, softPrompts: { ...sp, text: Float32Array.of(0, NaN, 0, 0, 0, 0, 0, 0) }, logTau: 0 })).toBe(false);
  });
});
