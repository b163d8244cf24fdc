// Packs token sequences of different lengths into one right-padded DecoderBatch.
// Each sequence carries, per position, an optional row of the `extra` tensor that replaces the
// token embedding (image features at <image> positions, soft-prompt vectors at the
// instruction's positions), optional next-token labels, and the index of its summary token
// (the last prompt token, whose final hidden state is the embedding).
import type { DecoderBatch } from '../decoder/types.ts';

export const IGNORE = -100;

export interface Sequence {
  ids: number[];
  /** Same length as ids; −1 = use the token embedding. */
  src: number[];
  /** Same length as ids or absent; label[t] is the token to predict at t (IGNORE = none). */
  labels?: number[];
  summaryIndex: number;
}

export interface PackedBatch extends DecoderBatch {
  /** Row (b·T + summaryIndex) of each sequence in the flattened [B·T] layout. */
  summaryRows: Uint32Array;
  lengths: number[];
}

export function packSequences(seqs: Sequence[], padId: number): PackedBatch {
  if (seqs.length === 0) throw new Error('packSequences: no sequences');
  const B = seqs.length;
  const T = Math.max(...seqs.map((s) => s.ids.length));
  const N = B * T;
  const ids = new Uint32Array(N).fill(padId);
  const positions = new Uint32Array(N);
  const keyMask = new Uint32Array(N);
  const srcIndex = new Int32Array(N).fill(-1);
  const anyLabels = seqs.some((s) => s.labels);
  const labels = anyLabels ? new Int32Array(N).fill(IGNORE) : null;
  const summaryRows = new Uint32Array(B);
  seqs.forEach((s, b) => {
    if (s.src.length !== s.ids.length || (s.labels && s.labels.length !== s.ids.length)) {
      throw new Error(`packSequences: sequence ${b} has ${s.ids.length} ids but ${s.src.length} src / ${s.labels?.length} labels`);
    }
    if (s.summaryIndex < 0 || s.summaryIndex >= s.ids.length) throw new Error(`packSequences: sequence ${b} summary index ${s.summaryIndex} out of range`);
    for (let t = 0; t < s.ids.length; t++) {
      const r = b * T + t;
      ids[r] = s.ids[t];
      positions[r] = t;
      keyMask[r] = 1;
      srcIndex[r] = s.src[t];
      if (labels && s.labels) labels[r] = s.labels[t];
    }
    summaryRows[b] = b * T + s.summaryIndex;
  });
  const hasSrc = srcIndex.some((v) => v >= 0);
  const padded = seqs.some((s) => s.ids.length < T);
  return {
    batch: B, seqLen: T, ids, positions,
    keyMask: padded ? keyMask : null,
    srcIndex: hasSrc ? srcIndex : null,
    labels, summaryRows, lengths: seqs.map((s) => s.ids.length),
  };
}
