/**
 * Data order of a run: per epoch a permutation of the training examples drawn from the data
 * RNG stream; batches are consecutive slices of it. Everything is in the checkpoint's
 * DataCursor, so a resumed run draws exactly the same batches.
 *
 * Public API:
 *   DATA_STREAM, INIT_STREAM                 — Rng.fromSeed(seed, stream) stream numbers
 *   class DataOrder
 *     static start(size, batchSize, seed)    — epoch 0, index 0
 *     static fromCursor(cursor, batchSize)   — rebuilds the epoch's permutation from cursor.orderState
 *     next() → { indices: number[]; epoch }  — the next batch (example indices into `train`)
 *     cursor() → DataCursor                  — a copy (JSON-safe)
 *     rngState() → RngState                  — the data generator after the current permutation
 *     progress → epoch + index/size          (fractional epochs completed)
 *
 * Trap: drop-last — a batch never straddles two epochs (an example could otherwise sit twice in
 * one contrastive batch and be its own negative). The last `size mod batchSize` examples of
 * each epoch's order are skipped; every epoch draws a new permutation, so none is skipped
 * systematically. Needs size ≥ batchSize.
 */
import type { DataCursor } from '../checkpoint/types.ts';
import { permutation, Rng, type RngState } from '../rng.ts';
import { TrainDataError } from './errors.ts';

export const DATA_STREAM = 0;
export const INIT_STREAM = 1;

export class DataOrder {
  private constructor(
    readonly size: number,
    readonly batchSize: number,
    private epoch: number,
    private index: number,
    private orderState: RngState,
    private readonly rng: Rng,
    private order: Uint32Array,
  ) {}

  private static check(size: number, batchSize: number): void {
    if (!Number.isInteger(size) || size < batchSize) {
      throw new TrainDataError('order.ts', `${size} training examples cannot fill a batch of ${batchSize}; add data or lower batchSize`);
    }
  }

  static start(size: number, batchSize: number, seed: number): DataOrder {
    DataOrder.check(size, batchSize);
    const rng = Rng.fromSeed(seed, DATA_STREAM);
    const orderState = rng.state();
    return new DataOrder(size, batchSize, 0, 0, orderState, rng, permutation(size, rng));
  }

  static fromCursor(c: DataCursor, batchSize: number): DataOrder {
    DataOrder.check(c.size, batchSize);
    if (!Number.isInteger(c.epoch) || c.epoch < 0 || !Number.isInteger(c.index) || c.index < 0 || c.index > c.size) {
      throw new TrainDataError('checkpoint data cursor', `epoch ${c.epoch} index ${c.index} is not a position in an epoch of ${c.size}`);
    }
    const rng = Rng.fromState(c.orderState);
    return new DataOrder(c.size, batchSize, c.epoch, c.index, { ...c.orderState, s: [...c.orderState.s] }, rng, permutation(c.size, rng));
  }

  next(): { indices: number[]; epoch: number } {
    if (this.index + this.batchSize > this.size) {
      this.epoch++;
      this.index = 0;
      this.orderState = this.rng.state();
      this.order = permutation(this.size, this.rng);
    }
    const indices = Array.from(this.order.subarray(this.index, this.index + this.batchSize));
    this.index += this.batchSize;
    return { indices, epoch: this.epoch };
  }

  cursor(): DataCursor {
    return { epoch: this.epoch, index: this.index, size: this.size, orderState: { ...this.orderState, s: [...this.orderState.s] } };
  }

  rngState(): RngState {
    return this.rng.state();
  }

  get progress(): number {
    return this.epoch + this.index / this.size;
  }
}
