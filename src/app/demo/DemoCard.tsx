// "Try it in 2 minutes": one button runs the demo (demo.ts) and shows each phase, the ETA
// before training starts, and held-out base vs tuned side by side with the deltas highlighted.
import { DEFAULT_BUNDLED_MODEL } from '../../protocol/messages.ts';
import { fmtSeconds } from '../format.ts';
import { useStore } from '../store.ts';
import { DEMO_HELD_OUT, DEMO_SCENES, useDemo, type DemoPhase } from './demo.ts';
import { DEMO_BUDGET_SEC } from './plan.ts';

const PHASES: [DemoPhase, string][] = [
  ['model', `Load ${DEFAULT_BUNDLED_MODEL}`], ['data', `Load ${DEMO_SCENES} synthetic scenes`], ['measure', 'Measure this device (2 steps)'],
  ['train', 'Fine-tune (VladVA)'], ['probes', `Score ${DEMO_HELD_OUT} held-out scenes, base and tuned`],
];

/** ?demoBudget=SECONDS (tests, or a user with little time) overrides the 2-minute budget. */
function budgetFromUrl(): number {
  const v = Number(new URLSearchParams(globalThis.location?.search ?? '').get('demoBudget'));
  return Number.isFinite(v) && v > 0 ? v : DEMO_BUDGET_SEC;
}

const pct = (x: number) => (Number.isFinite(x) ? `${(100 * x).toFixed(0)} %` : 'n/a');

export function DemoCard() {
  const d = useDemo();
  const device = useStore((s) => s.device.summary);
  const step = useStore((s) => s.train.step);
  const eta = useStore((s) => s.train.etaSeconds);
  const running = !['idle', 'done', 'error'].includes(d.phase);
  const at = PHASES.findIndex(([p]) => p === d.phase);
  return (
    <div className="card demo" data-testid="demo" data-phase={d.phase}>
      <div className="card-head">
        <h3>Try it in 2 minutes</h3>
        <button className="primary" data-testid="demo-start" disabled={running} onClick={() => void d.start(budgetFromUrl())}>
          {d.phase === 'done' || d.phase === 'error' ? 'Run the demo again' : 'Start the demo'}
        </button>
      </div>
      <p className="muted">
        Fine-tunes the bundled model on synthetic scenes for about {DEMO_BUDGET_SEC / 60} minutes of this device's time, then compares the
        base model and the tuned adapter on held-out scenes. On a CPU WebGPU ({device ?? 'this device'}) it simply fits fewer steps.
      </p>
      {d.phase !== 'idle' && (
        <ol className="demo-phases" data-testid="demo-phases">
          {PHASES.map(([p, label], i) => (
            <li key={p} className={d.phase === 'done' || i < at ? 'done' : i === at ? 'current' : ''}>
              {label}
              {p === 'train' && d.steps !== null && (
                <span className="muted" data-testid="demo-eta">
                  {' '}— {d.steps} steps at {d.secPerStep!.toFixed(1)} s/step ≈ {fmtSeconds(d.etaSec!)}
                  {d.phase === 'train' && <> · step {step} / {d.steps}, {fmtSeconds(eta)} left</>}
                  {d.trainSec !== null && <> · took {fmtSeconds(d.trainSec)}</>}
                </span>
              )}
            </li>
          ))}
        </ol>
      )}
      {d.error && <p role="alert" className="error" data-testid="demo-error">{d.error}</p>}
      {d.rows && (
        <>
          <p data-testid="demo-sentence"><strong>{d.sentence}</strong></p>
          <table className="data demo-table" data-testid="demo-table">
            <thead><tr><th>held-out metric</th><th>base model</th><th>tuned adapter</th><th>Δ points</th></tr></thead>
            <tbody>
              {d.rows.map((r) => (
                <tr key={r.key} data-testid={`demo-row-${r.key}`} data-base={r.base} data-tuned={r.tuned}>
                  <td>{r.label}</td><td className="num">{pct(r.base)}</td><td className="num">{pct(r.tuned)}</td>
                  <td className={`num ${r.delta > 0.5 ? 'up' : r.delta < -0.5 ? 'down' : ''}`}>
                    {Number.isFinite(r.delta) ? `${r.delta > 0 ? '+' : ''}${r.delta.toFixed(0)}` : 'n/a'}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
