// DataOrder: epochs are permutations, batches never straddle epochs, and a cursor taken at any
// point (through JSON, as in a checkpoint) continues with exactly the same batches.
import { describe, expect, test } from 'vitest';
import { DataOrder } from './order.ts';

describe('DataOrder', () => {
  test('each epoch covers distinct examples in batches; epochs differ', () => {
    const o = DataOrder.start(10, 3, 7);
    const epochs: number[][] = [[], [], []];
    for (let k = 0; k < 9; k++) {
      const { indices, epoch } = o.next();
      expect(new Set(indices).size).toBe(3);
      epochs[epoch].push(...indices);
    }
    for (const e of epochs) {
      expect(e.length).toBe(9); // drop-last: 3 batches of 3 out of 10
      expect(new Set(e).size).toBe(9);
      expect(e.every((i) => i >= 0 && i < 10)).toBe(true);
    }
    expect(epochs[0]).not.toEqual(epochs[1]);
    expect(o.progress).toBeCloseTo(2.9, 10);
  });

  test('resuming from a JSON cursor at every step gives the same batches', () => {
    const straight = DataOrder.start(7, 2, 99);
    const all = Array.from({ length: 12 }, () => straight.next().indices);
    for (let k = 0; k <= 12; k++) {
      const o = DataOrder.start(7, 2, 99);
      for (let j = 0; j < k; j++) o.next();
      const back = DataOrder.fromCursor(JSON.parse(JSON.stringify(o.cursor())), 2);
      expect(back.rngState()).toEqual(o.rngState());
      const rest = Array.from({ length: 12 - k }, () => back.next().indices);
      expect(rest).toEqual(all.slice(k));
    }
  });

  test('refuses a dataset smaller than the batch and a cursor out of range', () => {
    expect(() => DataOrder.start(3, 4, 0)).toThrow(/3 training examples cannot fill a batch of 4/);
    const c = DataOrder.start(5, 2, 0).cursor();
    expect(() => DataOrder.fromCursor({ ...c, index: 9 }, 2)).toThrow(/index 9 is not a position in an epoch of 5/);
  });
});
