// The Hub download of the running (or last) model load: one row per file with bytes, rate,
// ETA and state, and Cancel while bytes still have to come. Fed by 'download' events through
// the store (model.download); a model read from the browser cache says so instead.
import type { DownloadEvent, DownloadFile } from '../../protocol/messages.ts';
import { fmtBytes, fmtSeconds } from '../format.ts';
import { ScrollX } from '../ScrollX.tsx';

const STATE: Record<DownloadFile['state'], string> = {
  queued: 'queued', downloading: 'downloading', done: 'downloaded', cached: 'in cache', failed: 'failed', cancelled: 'cancelled',
};

export function DownloadPanel({ download, loading, onCancel }: { download: DownloadEvent; loading: boolean; onCancel: () => void }) {
  const d = download;
  if (d.phase === 'cached') {
    return (
      <p className="notice" data-testid="download-cached">
        <code>{d.model}</code> read from this browser's cache ({fmtBytes(d.files.reduce((a, f) => a + f.total, 0))} in {d.files.length} files): no download.
      </p>
    );
  }
  const active = loading && (d.phase === 'checking' || d.files.some((f) => f.state === 'queued' || f.state === 'downloading'));
  const done = d.files.reduce((a, f) => a + f.bytes, 0);
  const total = d.files.reduce((a, f) => a + f.total, 0);
  return (
    <div className="stack" data-testid="download">
      <div className="card-head">
        <h4>
          {active ? 'Downloading' : 'Download of'} <code>{d.model}</code>{' '}
          <span data-testid="download-total">{d.phase === 'checking' ? (loading ? '— checking files…' : '— stopped before downloading') : `— ${fmtBytes(done)} / ${fmtBytes(total)}`}</span>
        </h4>
        {active && <button className="danger" data-testid="download-cancel" onClick={onCancel}>Cancel download</button>}
      </div>
      {d.files.length > 0 && (
        <ScrollX label="Files being downloaded">
          <table className="compact" data-testid="download-files">
            <thead><tr><th>File</th><th>State</th><th>Bytes</th><th>Rate</th><th>ETA</th></tr></thead>
            <tbody>
              {d.files.map((f) => (
                <tr key={f.path} data-testid={`download-file-${f.path}`}>
                  <td><code>{f.path}</code></td>
                  <td>{STATE[f.state]}</td>
                  <td>
                    {fmtBytes(f.bytes)} / {fmtBytes(f.total)}
                    {f.resumedFrom > 0 && <small className="muted"> (resumed at {fmtBytes(f.resumedFrom)})</small>}
                  </td>
                  <td>{f.state === 'downloading' && f.bytesPerSec > 0 ? `${fmtBytes(f.bytesPerSec)}/s` : '—'}</td>
                  <td>{f.state === 'downloading' && f.etaSec !== null ? fmtSeconds(f.etaSec) : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </ScrollX>
      )}
    </div>
  );
}
