// Facts about a training run that both the engine (checkpoint store) and the Train screen
// derive from a run's checkpoint index. Structural: takes any index-shaped object.

export interface RunProgress {
  /** Checkpoint entries sorted by step (the last one is the latest). */
  entries: readonly { step: number }[];
  /** The run's configured length; absent in indexes written before it was recorded. */
  totalSteps?: number;
}

/** True when the run's latest checkpoint is at (or past) its configured length. */
export function runFinished(r: RunProgress): boolean {
  const last = r.entries.at(-1);
  return r.totalSteps !== undefined && last !== undefined && last.step >= r.totalSteps;
}
