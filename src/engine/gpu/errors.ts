// Typed GPU errors. Every message says what went wrong and what the user can do about it.
// These cross the worker boundary as { name, message } (see src/protocol), so keep the
// `name` field stable.

export class WebGpuUnavailableError extends Error {
  override readonly name = 'WebGpuUnavailableError';
  constructor(detail: string) {
    super(
      `WebGPU is not available: ${detail}. Discern trains on the GPU and has no CPU fallback; ` +
        `use a recent Chrome/Edge (or start Chromium with --enable-unsafe-webgpu).`,
    );
  }
}

export class GpuDeviceLostError extends Error {
  override readonly name = 'GpuDeviceLostError';
  constructor(
    readonly reason: string,
    detail: string,
  ) {
    super(
      `The GPU device was lost (${reason}): ${detail.replace(/\.+$/, '') || 'no detail given'}. ` +
        `Work since the last checkpoint is gone; the engine builds a new device on the next request (the model is reloaded on it), then resume from the last checkpoint.`,
    );
  }
}

/** A validation / out-of-memory / internal error raised by WebGPU. Messages name the
 * labelled object (every buffer, pipeline and bind group carries its kernel's name). */
export class GpuValidationError extends Error {
  override readonly name = 'GpuValidationError';
  constructor(
    readonly kind: string,
    detail: string,
  ) {
    super(`WebGPU ${kind} error: ${detail}`);
  }
}

export class GpuLimitError extends Error {
  override readonly name = 'GpuLimitError';
  constructor(what: string, needed: number, limit: number) {
    super(
      `${what} needs ${needed} bytes but this GPU allows at most ${limit} bytes ` +
        `(maxStorageBufferBindingSize). Use a smaller model or batch.`,
    );
  }
}
