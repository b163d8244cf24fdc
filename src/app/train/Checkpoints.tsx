// Stored runs and their checkpoints (list-checkpoints; refreshed on checkpoint-saved and on
// every non-running train-state), with "Resume run X" for unfinished runs not currently loaded
// (a run whose latest checkpoint reached its configured steps is marked finished instead).
import { runFinished } from '../../shared/runs.ts';
import { fmtBytes } from '../format.ts';
import { useStore } from '../store.ts';
import { ScrollX } from '../ScrollX.tsx';

export function Checkpoints({ canResume }: { canResume: boolean }) {
  const runs = useStore((s) => s.train.runs);
  const current = useStore((s) => s.train.runId);
  const active = useStore((s) => s.train.state === 'running' || s.train.state === 'paused');
  const start = useStore((s) => s.startTraining);
  if (!runs.length) return <div className="empty" data-testid="no-runs"><strong>No stored runs yet.</strong><span>Each run saves checkpoints here as it trains.</span></div>;
  return (
    <div data-testid="runs">
      {runs.map((r) => (
        <div key={r.runId} className="run" data-testid={`run-${r.runId}`}>
          <h4>
            Run <code>{r.runId}</code> {r.runId === current && active && <span className="badge">current</span>}
            {runFinished(r) && <span className="badge" data-testid={`finished-${r.runId}`}>finished ({r.totalSteps} steps)</span>}
            {(!active || r.runId !== current) && r.entries.length > 0 && !runFinished(r) && (
              <button data-testid={`resume-${r.runId}`} disabled={!canResume || active} onClick={() => void start(r.runId)}>
                Resume run {r.runId} (from step {r.entries[r.entries.length - 1].step})
              </button>
            )}
          </h4>
          <ScrollX label={`Checkpoints of run ${r.runId}`}>
            <table className="compact">
              <thead><tr><th>Step</th><th>Saved</th><th>Size</th><th>Loss</th><th>Validation</th></tr></thead>
              <tbody>
                {r.entries.map((e) => (
                  <tr key={e.step}>
                    <td>{e.step}{r.best === e.step ? ' ★' : ''}</td>
                    <td>{new Date(e.createdAt).toLocaleTimeString()}</td>
                    <td>{fmtBytes(e.bytes)}</td>
                    <td>{e.lastLoss?.toFixed(4) ?? '—'}</td>
                    <td>{e.validation ? `${e.validation.name} = ${e.validation.value.toFixed(3)}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollX>
        </div>
      ))}
    </div>
  );
}
