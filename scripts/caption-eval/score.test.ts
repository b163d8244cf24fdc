// The caption-eval scorer (score.ts): every reference caption of the held-out test split,
// short and long, scores 100 %; one changed colour / shape / size / relation costs exactly
// that slot; a true relation other than the reference's still counts; unparsable text gets
// every slot wrong; summarize gives per-slot and overall fractions.
import { describe, expect, it } from 'vitest';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import type { Scene } from '../../src/engine/data/synthetic/scene.ts';
import { parseGenerated, scoreCaption, summarize } from './score.ts';

const scene: Scene = {
  objects: [
    { shape: 'cube', colour: 'red', size: 'small', col: 0, row: 0, jx: 0, jy: 0 },
    { shape: 'ball', colour: 'blue', size: 'large', col: 2, row: 1, jx: 0, jy: 0 },
  ],
};
const LONG = 'This synthetic picture shows two objects on a plain dark gray background. ' +
  'There is a small red cube in the top left of the image. There is a large blue ball in the middle right of the image. ' +
  'The red cube is to the left of and above the blue ball, and it is smaller than the blue ball.';
const wrong = (t: string) => scoreCaption(t, scene).slots.filter((s) => !s.ok).map((s) => s.slot);

describe('caption-eval scorer', () => {
  it('every reference caption (short and long) of the 500 test scenes scores every slot right', () => {
    for (const s of syntheticBenchmark().test.slice(0, 500)) {
      for (const t of [s.caption, s.longCaption]) expect(scoreCaption(t, s.scene).slots.filter((x) => !x.ok), t).toEqual([]);
      expect(scoreCaption(s.longCaption, s.scene).placed).toEqual({ ok: s.scene.objects.length, total: s.scene.objects.length });
    }
  });

  it('short form: slots are count, colour and shape per object, one relation', () => {
    const ok = scoreCaption('a red cube left of a blue ball', scene);
    expect(ok.kind).toBe('short');
    expect(ok.slots.map((s) => s.slot)).toEqual(['count', 'colour', 'shape', 'colour', 'shape', 'relation']);
    expect(ok.slots.every((s) => s.ok)).toBe(true);
    expect(wrong('a blue ball right of a red cube')).toEqual([]); // another true relation, other order
    expect(wrong('a red cube above a blue ball')).toEqual([]);
    expect(wrong('a green cube left of a blue ball')).toEqual(['colour']);
    expect(wrong('a red triangle left of a blue ball')).toEqual(['shape']);
    expect(wrong('a red cube right of a blue ball')).toEqual(['relation']);
    expect(wrong('a red cube')).toEqual(['count', 'colour', 'shape', 'relation']);
    expect(wrong('a red cube left of a blue ball and a red cube')).toEqual(['count']);
    expect(wrong('red red cube cube')).toEqual(['count', 'colour', 'shape', 'colour', 'shape', 'relation']);
    expect(scoreCaption('red red cube cube', scene).parsed).toBe(false);
    expect(parseGenerated('nonsense')).toBeNull();
  });

  it('long form: size slots and one relation slot per pair (spatial + size relations)', () => {
    const ok = scoreCaption(LONG, scene);
    expect(ok.kind).toBe('long');
    expect(ok.slots.map((s) => s.slot)).toEqual(['count', 'colour', 'shape', 'size', 'colour', 'shape', 'size', 'relation']);
    expect(ok.slots.every((s) => s.ok)).toBe(true);
    expect(wrong(LONG.replace('small red', 'large red'))).toEqual(['size']);
    expect(wrong(LONG.replace('shows two objects', 'shows three objects'))).toEqual(['count']);
    expect(wrong(LONG.replace('to the left of and above', 'to the left of'))).toEqual(['relation']);
    expect(wrong(LONG.replace(', and it is smaller than the blue ball.', ', and the two have the same size.'))).toEqual(['relation']);
    // a truncated caption (generation cut mid-sentence) fills only what it finished
    expect(wrong(LONG.slice(0, LONG.indexOf('The red cube is')) + 'The red cube is to')).toEqual(['relation']);
    expect(wrong(LONG.slice(0, 60))).toEqual(['count', 'colour', 'shape', 'size', 'colour', 'shape', 'size', 'relation']);
  });

  it('long form: each object\'s place phrase is counted beside the slots (placed), not as one', () => {
    expect(scoreCaption(LONG, scene).placed).toEqual({ ok: 2, total: 2 });
    const moved = scoreCaption(LONG.replace('top left of the image', 'bottom left of the image'), scene);
    expect(moved.placed).toEqual({ ok: 1, total: 2 });
    expect(moved.slots.every((x) => x.ok)).toBe(true); // the slots do not see the place phrase
    expect(scoreCaption('a red cube left of a blue ball', scene).placed).toEqual({ ok: 0, total: 0 });
    const s = summarize([scoreCaption(LONG, scene), moved, scoreCaption('a red cube left of a blue ball', scene)]);
    expect(s.placed).toEqual({ ok: 3, total: 4, accuracy: 0.75 });
  });

  it('summarize: per-slot and overall fractions', () => {
    const s = summarize([scoreCaption('a red cube left of a blue ball', scene), scoreCaption('a green cube left of a blue ball', scene)]);
    expect(s.perSlot.colour).toEqual({ ok: 3, total: 4, accuracy: 0.75 });
    expect(s.perSlot.size).toEqual({ ok: 0, total: 0, accuracy: null });
    expect(s.overall).toBeCloseTo(11 / 12, 12);
    expect(s.parsed).toBe(2);
  });
});
