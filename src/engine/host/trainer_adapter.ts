// Binds the host's TrainerPort (trainer_port.ts) to the engine Trainer of
// src/engine/train/trainer/. The Trainer exposes both a step counter and a step() method;
// the port names them stepsDone / runStep() so neither shadows the other.
import { DEFAULT_TRAIN_CONFIG, validateTrainConfig } from '../train/trainer/config.ts';
import type { TrainerFactory, TrainerPort } from './trainer_port.ts';

// The Trainer class, structurally (what the adapter calls).
interface EngineTrainer {
  readonly runId: string;
  readonly config: TrainerPort['config'];
  readonly done: boolean;
  step(): Promise<Awaited<ReturnType<TrainerPort['runStep']>>>;
  validate: TrainerPort['validate'];
  checkpoint: TrainerPort['checkpoint'];
  exportPeft: TrainerPort['exportPeft'];
  dispose(): void;
}
interface EngineTrainerClass {
  create(...a: Parameters<TrainerFactory['create']>): Promise<EngineTrainer>;
  resume(...a: Parameters<TrainerFactory['resume']>): Promise<EngineTrainer>;
}

// Trap: a getter named `step` next to a method `step()` is impossible in one class, so the
// completed-update count is read from whichever the Trainer offers (stepsDone / completedSteps / step).
function stepsOf(t: EngineTrainer): number {
  const o = t as unknown as Record<string, unknown>;
  for (const k of ['stepsDone', 'completedSteps', 'currentStep', 'globalStep']) if (typeof o[k] === 'number') return o[k] as number;
  throw new Error(`host/trainer_adapter.ts: the Trainer exposes no completed-step counter (looked for stepsDone, completedSteps, currentStep, globalStep)`);
}

function port(t: EngineTrainer): TrainerPort {
  return {
    get runId() { return t.runId; },
    get config() { return t.config; },
    get stepsDone() { return stepsOf(t); },
    get done() { return t.done; },
    runStep: () => t.step(),
    validate: () => t.validate(),
    checkpoint: () => t.checkpoint(),
    exportPeft: (meta) => t.exportPeft(meta),
    dispose: () => t.dispose(),
  };
}

const TRAINER_MODULE = '../train/trainer/trainer.ts';

export async function realTrainerFactory(): Promise<TrainerFactory> {
  const { Trainer } = (await import(/* @vite-ignore */ TRAINER_MODULE)) as { Trainer: EngineTrainerClass };
  return {
    validate: (c) => validateTrainConfig(c) as ReturnType<TrainerFactory['validate']>,
    defaults: () => structuredClone(DEFAULT_TRAIN_CONFIG) as unknown as ReturnType<TrainerFactory['defaults']>,
    create: async (...a) => port(await Trainer.create(...a)),
    resume: async (...a) => port(await Trainer.resume(...a)),
  };
}
