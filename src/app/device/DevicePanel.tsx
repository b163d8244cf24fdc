import { useEffect } from 'react';
import { useStore } from '../store.ts';

/** Adapter, features and limits, or a clear message when WebGPU is missing. */
export function DevicePanel() {
  const device = useStore((s) => s.device);
  const connect = useStore((s) => s.connect);
  const runSelfCheck = useStore((s) => s.runSelfCheck);
  useEffect(() => {
    void connect();
  }, [connect]);

  if (device.status === 'loading' || device.status === 'idle')
    return (
      <section className="card" aria-busy="true">
        <h3>GPU</h3>
        <p className="muted">Requesting a WebGPU device…</p>
        <div className="skeleton skeleton-line" style={{ width: '60%' }} />
      </section>
    );
  if (device.status === 'error') {
    const missing = typeof navigator !== 'undefined' && !('gpu' in navigator);
    return (
      <section className="card">
        <h3>GPU</h3>
        <p role="alert" className="error" data-testid="device-error">
          {missing
            ? 'WebGPU is not available in this browser, so nothing can run here. Use a recent Chrome or Edge (113+) with hardware acceleration on, or Firefox/Safari with WebGPU enabled.'
            : 'No usable WebGPU device: '}
          {!missing && device.error}
        </p>
      </section>
    );
  }
  const caps = device.caps!;
  return (
    <section data-testid="device-panel" className="card">
      <div className="card-head">
        <h3>GPU</h3>
        <button onClick={() => void runSelfCheck()}>Run kernel self-check</button>
      </div>
      <p data-testid="device-summary">{device.summary}</p>
      {device.checks && (
        <ul data-testid="self-check" className="checks">
          {device.checks.map((c) => (
            <li key={c.name} className={c.ok ? 'ok' : 'bad'}>
              {c.ok ? '✓' : '✗'} {c.name}: max |GPU − CPU| = {c.maxAbsErr.toExponential(2)}
            </li>
          ))}
        </ul>
      )}
      <details className="limits">
        <summary>Device limits ({Object.keys(caps.limits).length})</summary>
        <dl>
          {Object.entries(caps.limits).map(([k, v]) => (
            <div key={k}>
              <dt>{k}</dt>
              <dd>{v.toLocaleString()}</dd>
            </div>
          ))}
        </dl>
      </details>
    </section>
  );
}
