/**
 * Training data on the GPU: the frozen vision features of every image live in ONE table
 * [numImages, tokensPerImage, H]; examples refer to a row of it. A batch gathers its rows.
 *
 * Public API:
 *   interface TrainExample { image, short, long }
 *   interface TrainData { features, train, validation }
 *   gatherFeatures(ctx, table, imageRows) → GpuTensor [K, T, H] (caller releases)
 *   checkTrainData(data, tokensPerImage, hidden, batchSize) — TrainDataError naming the example
 *
 * Trap: several examples may share an image row (COCO-style 5 captions per image). In a
 * contrastive batch that makes a false negative; validation groups captions by image instead.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { TrainDataError } from './errors.ts';

export interface TrainExample {
  /** Row in the feature table. */
  image: number;
  /** Short caption (< 30 tokens): the contrastive pair of the image. */
  short: string;
  /** Long caption (30–500 tokens) for the next-token loss, or null (contrastive only). */
  long: string | null;
}

export interface TrainData {
  /** [numImages, tokensPerImage, H] frozen vision features (after the connector). */
  features: GpuTensor;
  train: TrainExample[];
  validation: TrainExample[];
}

/** Rows `imageRows` of `table` [N, T, H] → a new tensor [K, T, H]. Runs of consecutive rows are copied at once. */
export function gatherFeatures(ctx: GpuContext, table: GpuTensor, imageRows: number[]): GpuTensor {
  if (table.shape.length !== 3) throw new TrainDataError(`gatherFeatures(${table.label})`, `feature table must be [numImages, tokens, hidden], got [${table.shape}]`);
  const [N, T, H] = table.shape;
  const row = T * H;
  const out = ctx.empty([imageRows.length, T, H], 'batch.features');
  for (let k = 0; k < imageRows.length;) {
    const r = imageRows[k];
    if (!Number.isInteger(r) || r < 0 || r >= N) {
      ctx.release(out);
      throw new TrainDataError(`gatherFeatures(${table.label})`, `image row ${r} (batch position ${k}) is outside the table of ${N} images`);
    }
    let run = 1;
    while (k + run < imageRows.length && imageRows[k + run] === r + run) run++;
    ctx.copyRange(table, r * row, out, k * row, run * row);
    k += run;
  }
  return out;
}

/** Refuses data that cannot train this model with this batch size, naming the split and example. */
export function checkTrainData(data: TrainData, tokensPerImage: number, hidden: number, batchSize: number): void {
  const s = data.features.shape;
  if (s.length !== 3 || s[1] !== tokensPerImage || s[2] !== hidden) {
    throw new TrainDataError(`feature table ${data.features.label}`, `shape [${s}] does not match the model: want [numImages, ${tokensPerImage}, ${hidden}]`);
  }
  for (const [split, list] of [['train', data.train], ['validation', data.validation]] as const) {
    list.forEach((e, i) => {
      const where = `${split}[${i}]`;
      if (!Number.isInteger(e.image) || e.image < 0 || e.image >= s[0]) throw new TrainDataError(where, `image row ${e.image} is outside the feature table of ${s[0]} images`);
      if (typeof e.short !== 'string' || !e.short.trim()) throw new TrainDataError(where, 'has an empty short caption');
      if (e.long !== null && typeof e.long !== 'string') throw new TrainDataError(where, `long caption must be a string or null, got ${typeof e.long}`);
    });
  }
  if (data.train.length < batchSize) {
    throw new TrainDataError('train', `${data.train.length} examples cannot fill a batch of ${batchSize}; add data or lower batchSize`);
  }
}
