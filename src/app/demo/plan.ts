// Pure parts of the one-click demo (demo.ts runs it): how many steps fit the time budget on
// this device, and the before/after table + sentence from two EvalReports of the same
// held-out scenes (base model vs the demo's adapter).
import type { EvalReport } from '../../shared/eval.ts';

/** Two minutes of training, whatever the device (a real GPU gets more steps, SwiftShader fewer). */
export const DEMO_BUDGET_SEC = 120;
export const DEMO_MIN_STEPS = 8;
export const DEMO_MAX_STEPS = 60;

/**
 * Steps that fit `budgetSec` at the measured seconds per step, clamped to [min, max]
 * (below 8 steps nothing visible is learned; 60 is the bundled recipe's full run).
 */
export function demoSteps(secPerStep: number, budgetSec = DEMO_BUDGET_SEC): number {
  if (!(secPerStep > 0) || !Number.isFinite(secPerStep)) return DEMO_MIN_STEPS;
  return Math.max(DEMO_MIN_STEPS, Math.min(DEMO_MAX_STEPS, Math.floor(budgetSec / secPerStep)));
}

export interface DemoRow {
  key: string;
  label: string;
  base: number;
  tuned: number;
  /** tuned − base, in points of percentage. */
  delta: number;
}

/** The rows the demo shows, each a fraction in 0…1 (NaN when the category has no items). */
export function demoRows(base: EvalReport, tuned: EvalReport): DemoRow[] {
  const pick: [string, string, (r: EvalReport) => number][] = [
    ['t2i5', 'text → image R@5', (r) => r.retrieval.textToImage[5]],
    ['i2t5', 'image → text R@5', (r) => r.retrieval.imageToText[5]],
    ['t2i1', 'text → image R@1', (r) => r.retrieval.textToImage[1]],
    ['swap-obj', 'SugarCrepe swap-obj', (r) => r.sugarcrepe.perCategory['swap-obj']?.accuracy ?? NaN],
    ['swap-att', 'SugarCrepe swap-att', (r) => r.sugarcrepe.perCategory['swap-att']?.accuracy ?? NaN],
    ['replace-rel', 'SugarCrepe replace-rel', (r) => r.sugarcrepe.perCategory['replace-rel']?.accuracy ?? NaN],
    ['macro', 'SugarCrepe (all 7, macro)', (r) => r.sugarcrepe.macro],
    ['wino', 'Winoground group', (r) => r.winoground.group],
  ];
  return pick.map(([key, label, f]) => {
    const b = f(base), t = f(tuned);
    return { key, label, base: b, tuned: t, delta: 100 * (t - b) };
  });
}

const pct = (x: number) => `${(100 * x).toFixed(0)} %`;

/** One sentence: what the run was and what moved (retrieval first; the largest other change). */
export function demoSentence(rows: DemoRow[], run: { steps: number; seconds: number; scenes: number; heldOut: number }): string {
  const r5 = rows.find((r) => r.key === 't2i5')!;
  const others = rows.filter((r) => r.key !== 't2i5' && Number.isFinite(r.delta));
  const biggest = others.sort((a, b) => Math.abs(b.delta) - Math.abs(a.delta))[0];
  const dir = (d: number) => (d > 0.5 ? 'rose' : d < -0.5 ? 'fell' : 'stayed');
  const head = `After ${run.steps} steps (${Math.round(run.seconds)} s) of VladVA fine-tuning on ${run.scenes} synthetic scenes, ` +
    `text → image R@5 on ${run.heldOut} held-out scenes ${dir(r5.delta)} from ${pct(r5.base)} to ${pct(r5.tuned)} ` +
    `(${r5.delta >= 0 ? '+' : ''}${r5.delta.toFixed(0)} points)`;
  if (!biggest) return `${head}.`;
  return `${head}; the largest other change: ${biggest.label} ${pct(biggest.base)} → ${pct(biggest.tuned)} ` +
    `(${biggest.delta >= 0 ? '+' : ''}${biggest.delta.toFixed(0)} points).`;
}
