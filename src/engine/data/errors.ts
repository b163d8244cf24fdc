// Typed errors for the data layer. A bad ROW never throws: it becomes a `Problem` in the
// parse result. These errors are for a whole file that cannot be used at all, or a single
// image that cannot be decoded (the loader catches those and lists them).

// Problem (file + line/path + reason) and formatProblem live in src/shared/problem.ts.
export { formatProblem, type Problem } from '../../shared/problem.ts';

/** A whole dataset file is unusable (not JSON, wrong top-level shape, missing header...). */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`${file}: ${reason}`);
  }
}

/** One image file could not be decoded (corrupt bytes, unsupported type, zero size). */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super(`cannot decode image ${file}: ${reason}`);
  }
}
