/**
 * Typed trainer errors. Messages say what was wrong and where (field, example index, tensor).
 * NonFiniteLossError (vladva_step.ts) and StorageQuotaError (checkpoint/errors.ts) pass
 * through the trainer unchanged.
 */
import type { ConfigFieldError } from './config.ts';

/** The configuration (given or stored in a checkpoint) is invalid; `errors` lists each field. */
export class TrainConfigError extends Error {
  constructor(readonly where: string, readonly errors: ConfigFieldError[]) {
    super(`${where}: invalid training configuration: ${errors.map((e) => `${e.field} ${e.message}`).join('; ')}`);
    this.name = 'TrainConfigError';
  }
}

/** The training data does not fit the model or the configuration (feature table shape, rows, captions). */
export class TrainDataError extends Error {
  constructor(readonly where: string, detail: string) {
    super(`${where}: ${detail}`);
    this.name = 'TrainDataError';
  }
}

/** The trainer was used out of order (step after the run ended, after dispose, mismatched checkpoint). */
export class TrainerStateError extends Error {
  constructor(detail: string) {
    super(`trainer: ${detail}`);
    this.name = 'TrainerStateError';
  }
}
