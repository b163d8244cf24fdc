// CPU reference for the embedding gather / scatter-add, with and without overrides.
// ids [rows]; table [V, H]; srcIndex [rows] (-1 = table); src [srcRows, H]; out [rows, H].
export type Vec = Float32Array | Float64Array;

export function embeddingOverrideForwardRef(out: Vec, ids: ArrayLike<number>, table: Vec, src: Vec | null, srcIndex: ArrayLike<number> | null, H: number): void {
  for (let r = 0; r < ids.length; r++) {
    const s = srcIndex ? srcIndex[r] : -1;
    for (let c = 0; c < H; c++) out[r * H + c] = s >= 0 ? src![s * H + c] : table[ids[r] * H + c];
  }
}

export function embeddingForwardRef(out: Vec, ids: ArrayLike<number>, table: Vec, H: number): void {
  embeddingOverrideForwardRef(out, ids, table, null, null, H);
}

/** dTable[ids[r]] += dout[r] for table rows, dSrc[srcIndex[r]] += dout[r] for override rows. */
export function embeddingOverrideBackwardRef(
  grads: { dTable: Vec | null; dSrc: Vec | null }, dout: Vec, ids: ArrayLike<number>, srcIndex: ArrayLike<number> | null, H: number,
): void {
  for (let r = 0; r < ids.length; r++) {
    const s = srcIndex ? srcIndex[r] : -1;
    const dst = s >= 0 ? grads.dSrc : grads.dTable;
    const k = s >= 0 ? s : ids[r];
    if (dst) for (let c = 0; c < H; c++) dst[k * H + c] += dout[r * H + c];
  }
}

export function embeddingBackwardRef(dTable: Vec, dout: Vec, ids: ArrayLike<number>, H: number): void {
  embeddingOverrideBackwardRef({ dTable, dSrc: null }, dout, ids, null, H);
}
