// Binds the host's TrainerPort (trainer_port.ts) to the engine Trainer of
// src/engine/train/trainer/. The port names the step counter `stepsDone` and the step call
// `runStep()` so the session reads as "run a step", and tests can fake a trainer cheaply.
import { DEFAULT_TRAIN_CONFIG, Trainer, validateTrainConfig, type TrainConfig } from '../train/trainer/index.ts';
import type { TrainerFactory, TrainerPort } from './trainer_port.ts';

function port(t: Trainer): TrainerPort {
  return {
    get runId() { return t.runId; },
    get config() { return t.config; },
    get stepsDone() { return t.stepsDone; },
    get done() { return t.done; },
    runStep: () => t.step(),
    validate: () => t.validate(),
    checkpoint: () => t.checkpoint(),
    exportPeft: (meta) => t.exportPeft(meta),
    dispose: () => t.dispose(),
  };
}

export function realTrainerFactory(): TrainerFactory {
  return {
    validate: (c) => validateTrainConfig(c) as ReturnType<TrainerFactory['validate']>,
    defaults: () => structuredClone(DEFAULT_TRAIN_CONFIG) as TrainConfig & Record<string, unknown>,
    create: async (ctx, vlm, data, cfg, o) => port(await Trainer.create(ctx, vlm, data, cfg as unknown as TrainConfig, o)),
    resume: async (...a) => port(await Trainer.resume(...a)),
  };
}
