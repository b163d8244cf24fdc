// Storage: what this origin keeps — checkpoints per run, the vision-feature cache, and the
// browser's estimate for the whole origin — with "clear" per kind.
import { useEffect, useState } from 'react';
import { clearDatasetFiles, datasetFilesUsage } from '../slices/datasetFiles.ts';
import { fmtBytes } from '../format.ts';
import { useStore } from '../store.ts';

export function StorageScreen() {
  const st = useStore((s) => s.storage);
  const { refreshStorage, clearStorage } = useStore.getState();
  const busyRun = useStore((s) => (s.train.state === 'running' || s.train.state === 'paused' ? s.train.runId : null));
  // dataset files live in the page's own IndexedDB database (slices/datasetFiles.ts)
  const [datasets, setDatasets] = useState<{ count: number; bytes: number } | null>(null);
  const refreshDatasets = () => void datasetFilesUsage().then(setDatasets);
  useEffect(() => {
    void refreshStorage();
    refreshDatasets();
  }, [refreshStorage]);
  const c = st.checkpoints;
  return (
    <section data-testid="screen-storage" className="screen">
      <h2>Storage</h2>
      <button data-testid="storage-refresh" onClick={() => { void refreshStorage(); refreshDatasets(); }}>Refresh</button>
      {st.status === 'error' && <p role="alert" className="error">{st.error}</p>}
      {st.note && <p data-testid="storage-note">{st.note}</p>}
      {c && (
        <>
          <h3>Total</h3>
          <p data-testid="storage-estimate">
            {c.estimate
              ? `${fmtBytes(c.estimate.usage)} used of ${fmtBytes(c.estimate.quota)} available to this site${c.estimate.indexedDB !== null ? ` (IndexedDB ${fmtBytes(c.estimate.indexedDB)})` : ''}`
              : 'navigator.storage.estimate() is not available here'}
          </p>
          <h3>Checkpoints — {c.checkpoints.count} in {c.runs.length} run(s), {fmtBytes(c.checkpoints.bytes)}</h3>
          <button data-testid="clear-checkpoints" disabled={!c.runs.length || !!busyRun} onClick={() => void clearStorage('checkpoints')}>
            Clear all checkpoints
          </button>
          <table className="compact" data-testid="storage-runs">
            <thead><tr><th>Run</th><th>Checkpoints</th><th>Size</th><th>Latest</th><th>Best</th><th /></tr></thead>
            <tbody>
              {c.runs.map((r) => (
                <tr key={r.runId}>
                  <td><code>{r.runId}</code></td><td>{r.count}</td><td>{fmtBytes(r.bytes)}</td><td>{r.latest ?? '—'}</td><td>{r.best ?? '—'}</td>
                  <td><button data-testid={`delete-run-${r.runId}`} disabled={r.runId === busyRun} onClick={() => void clearStorage('checkpoints', r.runId)}>Delete</button></td>
                </tr>
              ))}
            </tbody>
          </table>
          {c.other.count > 0 && <p className="muted">{c.other.count} orphaned entries ({fmtBytes(c.other.bytes)})</p>}
        </>
      )}
      {st.features && (
        <>
          <h3>Feature cache — <span data-testid="feature-count">{st.features.count}</span> images, {fmtBytes(st.features.bytes)}</h3>
          <p className="muted">Frozen vision features per image and model; a cleared cache is rebuilt on the next data load.</p>
          <button data-testid="clear-features" disabled={!st.features.count} onClick={() => void clearStorage('features')}>Clear feature cache</button>
        </>
      )}
      {datasets && (
        <>
          <h3>Dataset files — <span data-testid="dataset-count">{datasets.count}</span> files, {fmtBytes(datasets.bytes)}</h3>
          <p className="muted">The files you dropped or picked last, kept so a reload does not lose them.</p>
          <button data-testid="clear-datasets" disabled={!datasets.count} onClick={() => void clearDatasetFiles().then(refreshDatasets)}>Forget dataset files</button>
        </>
      )}
    </section>
  );
}
