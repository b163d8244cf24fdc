// The VladVA trainer: configuration, data, the resumable loop. See trainer.ts for the API.
export { DEFAULT_TRAIN_CONFIG, ADAM_BETAS, validateTrainConfig, describeConfigErrors, type TrainConfig, type ConfigFieldError } from './config.ts';
export { gatherFeatures, checkTrainData, type TrainData, type TrainExample } from './data.ts';
export { TrainConfigError, TrainDataError, TrainerStateError } from './errors.ts';
export { DataOrder, DATA_STREAM, INIT_STREAM } from './order.ts';
export { validateRetrieval, VALIDATION_METRIC, type ValidationResult } from './validation.ts';
export { Trainer, type StepReport, type TrainerOptions, type KvStore } from './trainer.ts';
export { NonFiniteLossError } from '../vladva_step.ts';
export { StorageQuotaError } from '../checkpoint/errors.ts';
export { LossWatch, type LossWarning, type LossWarningKind } from './watch.ts';
