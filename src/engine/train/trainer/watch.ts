/**
 * LossWatch: warns about a run that is going wrong but not (yet) non-finite — the NaN guard
 * (vladva_step.ts) covers NaN/Inf; this covers a too-large lr that makes the loss climb, and a
 * loss that no longer moves although updates are applied.
 *
 *   const w = new LossWatch();           // or new LossWatch(previousLosses) on resume
 *   w.observe(step, loss) → LossWarning | null
 *
 * Rules (pure, one loss per completed step, step 1-based; loss of step k is measured with the
 * parameters before update k):
 *  * 'loss-rise': the loss is > RISE_FACTOR × the median of the calm steps for RISE_STEPS steps
 *    in a row; warned once per rise, at its RISE_STEPS-th step. Calm = steps not inside a rise
 *    (the last CALM_WINDOW of them). A rise never enters the calm set, so a steady climb cannot
 *    drag the baseline up with it; when the loss falls back, the rise ends.
 *  * 'loss-stuck': the loss is bit-identical to the previous step's (from step 2 on, i.e. after
 *    an update): the update changed nothing the loss sees (lr 0-ish, frozen parameters). Warned
 *    once per run.
 * One warning per step at most: a rise wins over stuck on the same step.
 * Non-finite losses are ignored (the NaN guard stops the run first).
 */
export type LossWarningKind = 'loss-rise' | 'loss-stuck';

export interface LossWarning {
  kind: LossWarningKind;
  step: number;
  message: string;
}

export const RISE_FACTOR = 1.5;
export const RISE_STEPS = 2;
export const CALM_WINDOW = 20;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

const fmt = (x: number) => (Math.abs(x) >= 100 || Math.abs(x) < 0.01 ? x.toExponential(2) : x.toFixed(3));

export class LossWatch {
  private calm: number[] = [];
  private rise: { start: number; baseline: number; count: number; warned: boolean } | null = null;
  private previous: number | null = null;
  private stuckWarned = false;

  /** `history`: the losses of steps 1…n already done (a resumed run), replayed silently. */
  constructor(history: ArrayLike<number> = []) {
    // replaying sets the same state (and warned flags) as the uninterrupted run had
    for (let i = 0; i < history.length; i++) this.observe(i + 1, history[i]);
  }

  observe(step: number, loss: number): LossWarning | null {
    if (!Number.isFinite(loss)) return null;
    const prev = this.previous;
    this.previous = loss;
    let warning: LossWarning | null = null;
    if (step > 1 && prev === loss && !this.stuckWarned) {
      this.stuckWarned = true;
      warning = {
        kind: 'loss-stuck', step,
        message: `loss is stuck: ${fmt(loss)} at step ${step} is exactly the loss of step ${step - 1}, so the update changed nothing (lr too small, or no parameter is trained?)`,
      };
    }
    const baseline = this.calm.length ? median(this.calm) : NaN;
    if (this.calm.length && loss > RISE_FACTOR * baseline) {
      this.rise ??= { start: step, baseline, count: 0, warned: false };
      this.rise.count++;
      if (this.rise.count >= RISE_STEPS && !this.rise.warned) {
        this.rise.warned = true;
        const r = this.rise;
        const n = this.calm.length;
        warning = {
          kind: 'loss-rise', step,
          message: `loss rose sharply: ${fmt(loss)} at step ${step} is ${(loss / r.baseline).toFixed(1)}× the median ${fmt(r.baseline)} of the ${n} calm step${n === 1 ? '' : 's'} before step ${r.start}` +
            ` (over ${RISE_FACTOR}× for ${r.count} steps) — the learning rate is probably too large`,
        };
      }
      return warning;
    }
    this.rise = null;
    this.calm.push(loss);
    if (this.calm.length > CALM_WINDOW) this.calm.shift();
    return warning;
  }
}
