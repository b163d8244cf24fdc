/**
 * Typed errors of model-file loading. Every message names the file, and the tensor when
 * there is one, so a user who dropped a wrong folder sees what is wrong and where.
 *
 * Public API: ModelFileError (base), MissingFileError, SafetensorsFormatError,
 * MissingTensorError, ShapeMismatchError, UnsupportedDtypeError, TensorTooLargeError,
 * HttpSourceError, DownloadCancelledError, StorageQuotaError, CacheWriteError (Hub downloads, io/hub/).
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

/** The user cancelled a Hub download (load-cancel). The partial file stays, marked partial. */
export class DownloadCancelledError extends ModelFileError {
  constructor(file: string, readonly model: string, readonly kept: number, readonly size: number) {
    super(file, size === 0
      ? `download of ${model} cancelled while checking its files; nothing was stored`
      : `download of ${model} cancelled at ${file} (${kept} of ${size} bytes kept as a partial file; ` +
        'load again to resume from there, or delete it on the Storage screen)');
    this.name = 'DownloadCancelledError';
  }
}

/**
 * navigator.storage.estimate() says the files do not fit: raised before the first byte is
 * written, so nothing is left behind. `needed`: bytes still to download; `available`: quota − usage.
 */
export class StorageQuotaError extends Error {
  constructor(readonly model: string, readonly needed: number, readonly available: number) {
    super(`not enough browser storage to download ${model}: it needs ${needed} more bytes (${mb(needed)}), ` +
      `this site has ${available} bytes (${mb(available)}) available; free space on the Storage screen or in the browser's site settings`);
    this.name = 'StorageQuotaError';
  }
}

/** Storing a downloaded file failed (the disk or the quota ran out after the check, storage
 * was cleared): not a network error. The bytes stored so far stay as a partial file. */
export class CacheWriteError extends ModelFileError {
  constructor(file: string, readonly model: string, readonly stored: number, cause: string) {
    super(file, `${file} of ${model}: writing into the browser's storage failed after ${stored} bytes (${cause}); ` +
      'free space on the Storage screen, then load again to resume');
    this.name = 'CacheWriteError';
  }
}

const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
