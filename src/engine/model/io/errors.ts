/**
 * Typed errors of model-file loading. Every message names the file, and the tensor when
 * there is one, so a user who dropped a wrong folder sees what is wrong and where.
 *
 * Public API: ModelFileError (base), MissingFileError, SafetensorsFormatError,
 * MissingTensorError, ShapeMismatchError, UnsupportedDtypeError, TensorTooLargeError,
 * HttpSourceError.
 */

export class ModelFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

export class MissingFileError extends ModelFileError {
  constructor(file: string, where: string, hint = '') {
    super(file, `missing file "${file}" in ${where}${hint ? ` (${hint})` : ''}`);
    this.name = 'MissingFileError';
  }
}

/** Truncated file, bad header length, unparsable JSON header, inconsistent offsets. */
export class SafetensorsFormatError extends ModelFileError {
  constructor(file: string, detail: string) {
    super(file, `${file}: invalid safetensors file: ${detail}`);
    this.name = 'SafetensorsFormatError';
  }
}

export class MissingTensorError extends ModelFileError {
  constructor(file: string, readonly tensor: string) {
    super(file, `${file}: tensor "${tensor}" not found`);
    this.name = 'MissingTensorError';
  }
}

export class ShapeMismatchError extends ModelFileError {
  constructor(file: string, readonly tensor: string, readonly expected: readonly number[], readonly actual: readonly number[]) {
    super(file, `${file}: tensor "${tensor}" has shape [${actual.join(', ')}], expected [${expected.join(', ')}]`);
    this.name = 'ShapeMismatchError';
  }
}

export class UnsupportedDtypeError extends ModelFileError {
  constructor(file: string, readonly tensor: string, readonly dtype: string) {
    super(file, `${file}: tensor "${tensor}" has dtype ${dtype}; supported: F32, F16, BF16`);
    this.name = 'UnsupportedDtypeError';
  }
}

export class TensorTooLargeError extends ModelFileError {
  constructor(file: string, readonly tensor: string, readonly bytes: number, readonly limit: number) {
    super(file, `${file}: tensor "${tensor}" needs ${bytes} bytes, more than the device limit ` +
      `maxStorageBufferBindingSize = ${limit} bytes`);
    this.name = 'TensorTooLargeError';
  }
}

/**
 * A file read over HTTP failed. `status` null: the network failed (no HTTP reply at all —
 * offline, host unreachable, connection dropped, or blocked e.g. by CORS; fetch itself only
 * says `TypeError: Failed to fetch`); a number: the server answered with that status.
 */
export class HttpSourceError extends ModelFileError {
  constructor(file: string, readonly url: string, readonly status: number | null, detail: string) {
    super(file, status === null
      ? `${file}: network error for ${url}, no HTTP reply (offline, host unreachable, or the request was blocked, e.g. by CORS): ${detail}`
      : `${file}: server answered HTTP ${status} for ${url}: ${detail}`);
    this.name = 'HttpSourceError';
  }
}
