/**
 * Typed checkpoint errors. Messages say what was wrong and where (storage key or tensor name).
 *
 * Public API: CheckpointFormatError, CheckpointNotFoundError, StorageQuotaError, StoredRunSummary
 */

/** Unknown format / version, corrupt or truncated blob, inconsistent tensors. */
export class CheckpointFormatError extends Error {
  constructor(readonly where: string, readonly detail: string) {
    super(`checkpoint ${where}: ${detail}`);
    this.name = 'CheckpointFormatError';
  }
}

export class CheckpointNotFoundError extends Error {
  constructor(readonly runId: string, readonly which: number | 'latest' | 'best', detail = '') {
    super(`no checkpoint ${typeof which === 'number' ? `at step ${which}` : `"${which}"`} for run "${runId}"${detail ? ` (${detail})` : ''}`);
    this.name = 'CheckpointNotFoundError';
  }
}

export interface StoredRunSummary {
  runId: string;
  count: number;
  bytes: number;
}

function mb(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

/**
 * IndexedDB refused a write for lack of space (QuotaExceededError). Nothing of the failed save
 * was written; earlier checkpoints are intact.
 */
export class StorageQuotaError extends Error {
  constructor(
    readonly key: string,
    readonly neededBytes: number,
    readonly stored: StoredRunSummary[],
    readonly estimate: { usage: number; quota: number } | null,
    cause?: unknown,
  ) {
    const total = stored.reduce((a, r) => a + r.bytes, 0);
    const list = stored.length
      ? stored.map((r) => `run "${r.runId}": ${r.count} checkpoint(s), ${mb(r.bytes)}`).join('; ')
      : 'no checkpoints';
    const est = estimate ? `; browser reports ${mb(estimate.usage)} used of ${mb(estimate.quota)} quota` : '';
    super(
      `storage full: saving ${key} needs ${mb(neededBytes)} (${neededBytes} bytes) but IndexedDB refused it ` +
        `(QuotaExceededError). Stored now: ${list} (${mb(total)} in total)${est}. ` +
        `Earlier checkpoints are intact; delete old runs or prune checkpoints to free space.`,
      { cause },
    );
    this.name = 'StorageQuotaError';
  }
}
