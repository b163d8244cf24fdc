// Rung (i): embedding references vs float64 central differences (gradients w.r.t. the
// table and the override source), plus the CSR plan and index validation (pure CPU).
import { describe, expect, test } from 'vitest';
import { dot, expectClose, f64, finiteDiff } from '../../testing/compare.ts';
import { randn } from '../../testing/random.ts';
import { embeddingOverrideBackwardRef, embeddingOverrideForwardRef } from './embedding.ref.ts';
import { buildCsr, EmbeddingIndexError, validateIndices } from './plan.ts';

describe('embedding reference', () => {
  test('gradients w.r.t. table and src vs finite differences (duplicates, id V-1, overrides)', () => {
    const V = 6, H = 3, S = 2;
    const ids = Uint32Array.from([5, 1, 1, 0, 5, 3, 1]);
    const srcIndex = Int32Array.from([-1, 1, -1, 0, -1, -1, 1]);
    const table = f64(randn(V * H, 1));
    const src = f64(randn(S * H, 2));
    const up = f64(randn(ids.length * H, 3));
    const loss = () => {
      const out = new Float64Array(ids.length * H);
      embeddingOverrideForwardRef(out, ids, table, src, srcIndex, H);
      return dot(out, up);
    };
    const dTable = new Float64Array(V * H), dSrc = new Float64Array(S * H);
    embeddingOverrideBackwardRef({ dTable, dSrc }, up, ids, srcIndex, H);
    expectClose(dTable, finiteDiff(loss, table), 'dTable', { atol: 1e-8 });
    expectClose(dSrc, finiteDiff(loss, src), 'dSrc', { atol: 1e-8 });
    // rows overridden from src give the table nothing: id 0 only appears at an override row
    expect([...dTable.slice(0, H)]).toEqual([0, 0, 0]);
  });

  test('CSR plan groups duplicate ids in ascending order', () => {
    const ids = [5, 1, 1, 0, 5, 3, 1];
    const c = buildCsr(ids.length, (r) => ids[r], (r) => r !== 3);
    expect([...c.targets]).toEqual([1, 3, 5]);
    expect([...c.offsets]).toEqual([0, 3, 4, 6]);
    expect([...c.rowList]).toEqual([1, 2, 6, 5, 0, 4]);
  });

  test('validation names the bad id, its row and the vocabulary', () => {
    expect(() => validateIndices('here', [0, 9, 12], 10)).toThrow(EmbeddingIndexError);
    expect(() => validateIndices('here', [0, 9, 12], 10)).toThrow(/here: token id 12 at row 2 is outside the embedding table \(vocab 10\)/);
    expect(() => validateIndices('here', [0, 99], 10, [-1, 0], 1)).not.toThrow(); // row 1 comes from src
    expect(() => validateIndices('here', [0, 1], 10, [-1, 4], 4)).toThrow(/srcIndex 4 at row 1/);
    expect(() => validateIndices('here', [0, 1], 10, [-2, 0], 4)).toThrow(/srcIndex -2 at row 0/);
  });
});
