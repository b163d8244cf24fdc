// Train: configuration form, start/pause/resume/stop driven by train-state, live charts of
// every loss term + lr / examples/s / GPU memory, validation metrics, checkpoints, adapters.
import { useEffect } from 'react';
import { runFinished } from '../../shared/runs.ts';
import { fmtBytes, fmtSeconds } from '../format.ts';
import { LIVE_PROBE_SCENES } from '../../protocol/training.ts';
import { useStore } from '../store.ts';
import { Adapter } from './Adapter.tsx';
import { Checkpoints } from './Checkpoints.tsx';
import { LossChart } from './LossChart.tsx';
import { TrainForm } from './TrainForm.tsx';
import './train.css';
import { ScrollX } from '../ScrollX.tsx';

const LOSSES = ['loss', 'contrastive', 'nextToken'] as const;
const LR = ['lr'] as const;
const SPEED = ['examplesPerSec'] as const;
const MEMORY = ['peakBytes'] as const;

/** Last value of one series column without subscribing to the series (re-renders on step). */
function useLast(col: 'lr' | 'examplesPerSec' | 'peakBytes' | 'loss') {
  return useStore((s) => s.train.series[col].at(-1));
}

export function TrainScreen() {
  const t = useStore((s) => s.train);
  const ready = useStore((s) => s.model.status === 'ready' && s.data.status === 'ready');
  const modelReady = useStore((s) => s.model.status === 'ready');
  const { startTraining, pause, resume, stop, refreshRuns } = useStore.getState();
  const lr = useLast('lr');
  const eps = useLast('examplesPerSec');
  const mem = useLast('peakBytes');
  const loss = useLast('loss');
  useEffect(() => {
    if (modelReady) void refreshRuns();
  }, [modelReady, refreshRuns]);

  const running = t.state === 'running';
  const paused = t.state === 'paused';
  const active = running || paused;
  return (
    <section data-testid="screen-train" className="screen train">
      <header className="screen-head">
        <h2>Train</h2>
        <p>LoRA adapters and soft prompts trained with an in-batch contrastive loss plus next-token loss; the base weights stay frozen.</p>
      </header>
      {!ready && <p className="notice">Load a model and data first.</p>}
      {!active && t.lastRunId && t.runs.some((r) => r.runId === t.lastRunId && !runFinished(r)) && (
        <p className="resume-offer notice row">
          <button data-testid="resume-last" disabled={!ready} onClick={() => void startTraining(t.lastRunId!)}>
            Resume run {t.lastRunId}
          </button>{' '}
          <span className="muted">continues from its latest checkpoint with its own configuration</span>
        </p>
      )}
      <TrainForm disabled={active} />
      <div className="card span-4 run-card">
        <div className="card-head">
          <h3>Run</h3>
          <span data-testid="train-state" className={`state state-${t.state}`}>{t.state}</span>
        </div>
        <div className="row controls">
          <button className="primary" data-testid="start" disabled={!ready || active} onClick={() => void startTraining()}>Start</button>
          <button data-testid="pause" disabled={!running} onClick={() => void pause()}>Pause</button>
          <button data-testid="resume" disabled={!paused} onClick={() => void resume()}>Resume</button>
          <button data-testid="stop" disabled={!active} onClick={() => void stop()}>Stop</button>
        </div>
        {(t.runId || t.resumedFrom !== null) && (
          <p className="row hint">
            {t.runId && <span>run <code data-testid="run-id">{t.runId}</code></span>}
            {t.resumedFrom !== null && <span data-testid="resumed-from">resumed from step {t.resumedFrom}</span>}
          </p>
        )}
        {active && t.totalSteps > 0 && <progress aria-label="Training progress" max={t.totalSteps} value={t.step} />}
        <table className="kv stats" data-testid="train-stats">
          <tbody>
            <tr><th>Step</th><td data-testid="step">{t.step} / {t.totalSteps || '—'}</td><th>Loss</th><td>{loss?.toFixed(4) ?? '—'}</td></tr>
            <tr><th>Learning rate</th><td>{lr?.toExponential(2) ?? '—'}</td><th>Examples/s</th><td>{eps?.toFixed(2) ?? '—'}</td></tr>
            <tr><th>ETA</th><td>{running ? fmtSeconds(t.etaSeconds) : '—'}</td><th>GPU memory (peak)</th><td>{mem !== undefined ? fmtBytes(mem) : '—'}</td></tr>
          </tbody>
        </table>
        {t.state === 'stopped' && t.message && <p className="muted" data-testid="train-message">Stopped: {t.message}</p>}
      </div>
      {t.note && <p role="status" className="note" data-testid="train-note">{t.note}</p>}
      {t.error && (
        <p role="alert" className="error" data-testid="train-error">
          <strong>{t.error.name}</strong>: {t.error.message}
        </p>
      )}
      {t.warnings.map((w, i) => (
        <p key={i} role="status" className="warning" data-testid="train-warning" data-kind={w.kind}>
          <strong>Warning at step {w.step}</strong>: {w.message}
        </p>
      ))}
      <div className="charts">
        <LossChart title="Loss (total, contrastive, next-token)" columns={LOSSES} testId="chart-loss" />
        <LossChart title="Learning rate" columns={LR} testId="chart-lr" />
        <LossChart title="Examples / s" columns={SPEED} testId="chart-speed" />
        <LossChart title="GPU memory (peak)" columns={MEMORY} testId="chart-memory" unit="bytes" />
      </div>
      <div className="card span-4">
        <h3>Validation</h3>
        {t.validation.length ? (
          <ScrollX label="Validation metrics">
            <table className="compact" data-testid="validation">
              <thead><tr><th>Step</th><th>Metric</th><th>Value</th></tr></thead>
              <tbody>
                {t.validation.map((v, i) => <tr key={i}><td>{v.step}</td><td>{v.name}</td><td>{v.value.toFixed(4)}</td></tr>)}
              </tbody>
            </table>
          </ScrollX>
        ) : <div className="empty"><strong>No validation yet</strong><span>Measured every “Validate every” steps.</span></div>}
      </div>
      <div className="card span-12">
        <h3>Live probes</h3>
        <p className="muted">Re-measured after each validation on {LIVE_PROBE_SCENES} held-out synthetic test scenes with the run's current adapter (for watching only: the best checkpoint is chosen on validation). Chance: 50 % for the probes, 6 % for Winoground group.</p>
        {t.probes.length ? (
          <ScrollX label="Live probe accuracies">
            <table className="compact data" data-testid="live-probes">
              <thead><tr><th>Step</th><th>swap-obj</th><th>swap-att</th><th>replace-rel</th><th>Winoground group</th><th>text→image R@5</th></tr></thead>
              <tbody>
                {t.probes.map((p, i) => {
                  const prev = t.probes[i - 1];
                  const cell = (k: 'swapObj' | 'swapAtt' | 'replaceRel' | 'winoGroup' | 't2i5') => {
                    const d = prev ? p[k] - prev[k] : 0;
                    return <td className={`num ${d > 1e-9 ? 'up' : d < -1e-9 ? 'down' : ''}`} data-testid={`probe-${k}`}>{Number.isFinite(p[k]) ? `${(100 * p[k]).toFixed(0)} %` : 'n/a'}</td>;
                  };
                  return <tr key={p.step} data-testid="live-probe-row"><td>{p.step}</td>{cell('swapObj')}{cell('swapAtt')}{cell('replaceRel')}{cell('winoGroup')}{cell('t2i5')}</tr>;
                })}
              </tbody>
            </table>
          </ScrollX>
        ) : <div className="empty"><strong>No live probes yet</strong><span>They appear with each validation (“Validate every” steps).</span></div>}
      </div>
      <div className="card span-8">
        <h3>Checkpoints</h3>
        <Checkpoints canResume={ready} />
      </div>
      <div className="card">
        <h3>Adapter</h3>
        <Adapter canExport={!!t.runId && !running} canImport={modelReady && !running} />
      </div>
    </section>
  );
}
