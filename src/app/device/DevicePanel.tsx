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

  if (device.status === 'loading' || device.status === 'idle') return <p>Requesting a WebGPU device…</p>;
  if (device.status === 'error') {
    const missing = typeof navigator !== 'undefined' && !('gpu' in navigator);
    return (
      <p role="alert" className="error" data-testid="device-error">
        {missing
          ? 'WebGPU is not available in this browser, so nothing can run here. Use a recent Chrome or Edge (113+) with hardware acceleration on, or Firefox/Safari with WebGPU enabled.'
          : 'No usable WebGPU device: '}
        {!missing && device.error}
      </p>
    );
  }
  const caps = device.caps!;
  return (
    <section data-testid="device-panel">
      <h2>GPU</h2>
      <p data-testid="device-summary">{device.summary}</p>
      <table>
        <tbody>
          {Object.entries(caps.limits).map(([k, v]) => (
            <tr key={k}>
              <td>{k}</td>
              <td>{v.toLocaleString()}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <button onClick={() => void runSelfCheck()}>Run kernel self-check</button>
      {device.checks && (
        <ul data-testid="self-check">
          {device.checks.map((c) => (
            <li key={c.name}>
              {c.ok ? '✓' : '✗'} {c.name}: max |GPU − CPU| = {c.maxAbsErr.toExponential(2)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
