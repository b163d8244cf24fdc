// Storage: what this origin keeps — checkpoints per run, the vision-feature cache, the
// downloaded Hub models (OPFS), and the browser's estimate for the whole origin — with
// "clear" per kind and "delete" per downloaded model.
import { useEffect, useState } from 'react';
import { clearDatasetFiles, datasetFilesUsage } from '../slices/datasetFiles.ts';
import type { CachedModel } from '../../protocol/messages.ts';
import { fmtBytes } from '../format.ts';
import { useStore } from '../store.ts';
import { ScrollX } from '../ScrollX.tsx';

function ModelsCard({ models, onDelete }: { models: CachedModel[]; onDelete: (key: string) => void }) {
  const bytes = models.reduce((a, m) => a + m.bytes, 0);
  return (
    <div className="card">
      <h3>Downloaded models — <span data-testid="models-count">{models.length}</span> model(s), {fmtBytes(bytes)}</h3>
      {models.length > 0 ? (
        <ScrollX label="Downloaded models">
          <table className="compact" data-testid="storage-models">
            <thead><tr><th>Model</th><th>Revision</th><th>Files</th><th>Size</th><th>State</th><th><span className="sr-only">Actions</span></th></tr></thead>
            <tbody>
              {models.map((m) => {
                const size = m.files.reduce((a, f) => a + f.size, 0);
                return (
                  <tr key={m.key} data-testid={`model-row-${m.key}`}>
                    <td><code>{m.repo}</code></td>
                    <td><code>{m.revision}</code>{m.commit && <small className="muted"> ({m.commit.slice(0, 10)})</small>}</td>
                    <td>{m.files.length}</td>
                    <td>{fmtBytes(m.bytes)}</td>
                    <td>{m.complete ? 'complete' : `partial: ${fmtBytes(m.bytes)} of ${fmtBytes(size)} (the next load resumes)`}</td>
                    <td><button className="danger" data-testid={`delete-model-${m.key}`} aria-label={`Delete ${m.key}`} onClick={() => onDelete(m.key)}>Delete</button></td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </ScrollX>
      ) : (
        <div className="empty"><strong>No downloaded models</strong><span>A model loaded from a Hugging Face URL is kept here, so the next load needs no network.</span></div>
      )}
    </div>
  );
}

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
      <div className="screen-head">
        <div className="card-head">
          <h2>Storage</h2>
          <button data-testid="storage-refresh" onClick={() => { void refreshStorage(); refreshDatasets(); }}>Refresh</button>
        </div>
        <p>What this site keeps in your browser: downloaded models (origin private file system), checkpoints, cached vision features and your last dataset files (IndexedDB).</p>
      </div>
      {st.status === 'error' && <p role="alert" className="error">{st.error}</p>}
      {st.note && <p className="notice" data-testid="storage-note">{st.note}</p>}
      {!c && !st.features && st.status === 'loading' && (
        <div className="card" aria-hidden="true">{[70, 45, 60].map((w) => <div key={w} className="skeleton skeleton-line" style={{ width: `${w}%` }} />)}</div>
      )}
      {c && (
        <>
          <div className="card">
            <h3>Total</h3>
            <p data-testid="storage-estimate">
              {c.estimate
                ? `${fmtBytes(c.estimate.usage)} used of ${fmtBytes(c.estimate.quota)} available to this site${c.estimate.indexedDB !== null ? ` (IndexedDB ${fmtBytes(c.estimate.indexedDB)})` : ''}`
                : 'navigator.storage.estimate() is not available here'}
            </p>
            {c.estimate && c.estimate.quota > 0 && <progress aria-label="Storage used" max={c.estimate.quota} value={c.estimate.usage} />}
            {st.persisted !== undefined && st.persisted !== null && (
              <p className="muted" data-testid="storage-persisted">
                {st.persisted ? 'Persistent storage granted: the browser keeps this data under storage pressure.'
                  : 'Persistent storage not granted (requested at each model download): the browser may evict this data when the disk runs low.'}
              </p>
            )}
          </div>
          <ModelsCard models={st.models ?? []} onDelete={(key) => void clearStorage('models', key)} />
          <div className="card">
            <div className="card-head">
              <h3>Checkpoints — {c.checkpoints.count} in {c.runs.length} run(s), {fmtBytes(c.checkpoints.bytes)}</h3>
              <button className="danger" data-testid="clear-checkpoints" disabled={!c.runs.length || !!busyRun} onClick={() => void clearStorage('checkpoints')}>
                Clear all checkpoints
              </button>
            </div>
            <ScrollX label="Stored runs">
              <table className="compact" data-testid="storage-runs">
                <thead><tr><th>Run</th><th>Checkpoints</th><th>Size</th><th>Latest</th><th>Best</th><th><span className="sr-only">Actions</span></th></tr></thead>
                <tbody>
                  {c.runs.map((r) => (
                    <tr key={r.runId}>
                      <td><code>{r.runId}</code></td><td>{r.count}</td><td>{fmtBytes(r.bytes)}</td><td>{r.latest ?? '—'}</td><td>{r.best ?? '—'}</td>
                      <td><button className="danger" data-testid={`delete-run-${r.runId}`} disabled={r.runId === busyRun} onClick={() => void clearStorage('checkpoints', r.runId)}>Delete</button></td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </ScrollX>
            {!c.runs.length && <div className="empty"><strong>No checkpoints stored</strong><span>Training runs save them here.</span></div>}
            {c.other.count > 0 && <p className="muted">{c.other.count} orphaned entries ({fmtBytes(c.other.bytes)})</p>}
          </div>
        </>
      )}
      {st.features && (
        <div className="card span-6">
          <h3>Feature cache — <span data-testid="feature-count">{st.features.count}</span> images, {fmtBytes(st.features.bytes)}</h3>
          <p className="muted">Frozen vision features per image and model; a cleared cache is rebuilt on the next data load.</p>
          <div className="row">
            <button className="danger" data-testid="clear-features" disabled={!st.features.count} onClick={() => void clearStorage('features')}>Clear feature cache</button>
          </div>
        </div>
      )}
      {datasets && (
        <div className="card span-6">
          <h3>Dataset files — <span data-testid="dataset-count">{datasets.count}</span> files, {fmtBytes(datasets.bytes)}</h3>
          <p className="muted">The files you dropped or picked last, kept so a reload does not lose them.</p>
          <div className="row">
            <button className="danger" data-testid="clear-datasets" disabled={!datasets.count} onClick={() => void clearDatasetFiles().then(refreshDatasets)}>Forget dataset files</button>
          </div>
        </div>
      )}
    </section>
  );
}
