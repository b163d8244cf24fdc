// Typed errors for the data layer. A bad ROW never throws: it becomes a `Problem` in the
// parse result. These errors are for a whole file that cannot be used at all, or a single
// image that cannot be decoded (the loader catches those and lists them).

/** Where a problem was found: file plus a 1-based line (text formats) or a JSON path. */
export interface Problem {
  file: string;
  /** 1-based line number for JSONL/CSV rows. */
  line?: number;
  /** JSON path such as `annotations[3].caption` or `["17"].negative_caption`. */
  path?: string;
  reason: string;
}

export function formatProblem(p: Problem): string {
  const where = p.line !== undefined ? `:${p.line}` : p.path !== undefined ? ` at ${p.path}` : '';
  return `${p.file}${where}: ${p.reason}`;
}

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
