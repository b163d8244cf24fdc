// Data: synthetic scenes (one click) or a dataset file + images (drop zone / pickers).
// Shows counts (images, train, validation, feature-cache hits), a preview grid and every
// skipped row/image (file, line, reason) — also when the whole load was refused.
import { useEffect, useState } from 'react';
import { formatProblem } from '../../shared/problem.ts';
import { useStore } from '../store.ts';
import { filesPreview, syntheticPreview, type Tile } from './preview.ts';
import { ScrollX } from '../ScrollX.tsx';

export function DataScreen() {
  const data = useStore((s) => s.data);
  const modelReady = useStore((s) => s.model.status === 'ready');
  const setData = useStore((s) => s.setData);
  const loadData = useStore((s) => s.loadData);
  const [tiles, setTiles] = useState<Tile[]>([]);
  const [dragging, setDragging] = useState(false);
  const loading = data.status === 'loading';

  // Preview what was loaded (synthetic) or picked (files); revoke the previous URLs.
  useEffect(() => {
    let live = true;
    let made: Tile[] = [];
    const show = (t: Tile[]) => (live ? setTiles((made = t)) : t.forEach((x) => URL.revokeObjectURL(x.url)));
    if (data.kind === 'files' && data.files.length) void filesPreview(data.files).then(show, () => show([]));
    else if (data.kind === 'synthetic' && data.status === 'ready') void syntheticPreview(data.syntheticCount, data.syntheticSeed).then(show, () => show([]));
    else show([]);
    return () => {
      live = false;
      made.forEach((x) => URL.revokeObjectURL(x.url));
    };
  }, [data.kind, data.files, data.status, data.syntheticCount, data.syntheticSeed]);

  const addFiles = (list: FileList | File[] | null) => {
    const files = [...(list ?? [])];
    if (files.length) setData({ kind: 'files', files, restored: false });
  };
  const onDrop = (ev: React.DragEvent) => {
    ev.preventDefault();
    setDragging(false);
    addFiles(ev.dataTransfer.files);
  };
  const s = data.summary;
  // Tiles whose image the engine could not use (matched by basename; problems name files).
  const skipped = new Set(data.problems.map((p) => p.file.slice(p.file.lastIndexOf('/') + 1)));
  return (
    <section data-testid="screen-data" className="screen">
      <header className="screen-head">
        <h2>Data</h2>
        <p>Image–caption pairs to fine-tune on. Vision features are computed once with the model&apos;s encoder and cached in this browser.</p>
      </header>
      {!modelReady && <p className="notice">Load a model first (Model tab): features are computed with its vision encoder.</p>}
      <div className="card span-5">
        <h3>Synthetic scenes</h3>
        <p className="sub">Rendered shapes with compositional captions (colour, shape, position): the quickest way to see an effect.</p>
        <div className="row">
          <label>Count <input type="number" min={2} data-testid="synthetic-count" value={data.syntheticCount}
            onChange={(e) => setData({ syntheticCount: Number(e.target.value) })} /></label>
          <label>Seed <input type="number" min={0} value={data.syntheticSeed}
            onChange={(e) => setData({ syntheticSeed: Number(e.target.value) })} /></label>
        </div>
        <div className="row">
          <button className="primary" data-testid="use-synthetic" disabled={!modelReady || loading}
            onClick={() => { setData({ kind: 'synthetic' }); void loadData(); }}>
            Use synthetic scenes
          </button>
        </div>
      </div>
      <div className="card span-7">
        <h3>Your captions and images</h3>
        <div
          data-testid="data-dropzone" className={`dropzone${dragging ? ' over' : ''}`}
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }} onDragLeave={() => setDragging(false)} onDrop={onDrop}
        >
          <p>Drop a captions file (<code>.jsonl</code> / <code>.csv</code> / COCO <code>.json</code>) and its images here, or pick them:</p>
          <div className="row">
            <label>Files <input type="file" multiple data-testid="data-files" onChange={(e) => addFiles(e.target.files)} /></label>
            <label>Folder <input type="file" data-testid="data-folder"
              // @ts-expect-error webkitdirectory is a non-standard attribute React passes through
              webkitdirectory="" multiple onChange={(e) => addFiles(e.target.files)} /></label>
          </div>
          {data.kind === 'files' && data.files.length > 0 && (
            <p className="row">
              <span>{data.files.length} file(s) {data.restored ? <span data-testid="files-restored">restored from your last visit</span> : 'chosen'}.</span>
              <button data-testid="load-files" disabled={!modelReady || loading} onClick={() => void loadData()}>Load these files</button>
            </p>
          )}
        </div>
      </div>
      {loading && (
        <div className="card progress-row">
          <progress data-testid="data-progress" aria-label="Data loading" max={data.progress?.total || 1} value={data.progress?.done ?? 0} />
          <span>{data.progress ? `vision features ${data.progress.done} / ${data.progress.total}` : 'reading files…'}</span>
        </div>
      )}
      {data.status === 'error' && <p role="alert" className="error" data-testid="data-error">{data.error}</p>}
      {(s?.warnings?.length ?? 0) > 0 && (
        <div className="problems warning" data-testid="data-warnings" role="status">
          <h3>Warnings ({s!.warnings.length})</h3>
          <ul>{s!.warnings.map((p, i) => <li key={i}>{formatProblem(p)}</li>)}</ul>
        </div>
      )}
      {data.problems.length > 0 && (
        <div className="problems card" data-testid="problems">
          <h3>Skipped ({data.problems.length})</h3>
          <ScrollX label="Skipped rows and images">
            <table className="data">
              <thead><tr><th>File</th><th>Where</th><th>Reason</th></tr></thead>
              <tbody>
                {data.problems.map((p, i) => (
                  <tr key={i} title={formatProblem(p)}>
                    <td>{p.file}</td><td>{p.line !== undefined ? `line ${p.line}` : (p.path ?? '')}</td><td className="wrap">{p.reason}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </ScrollX>
        </div>
      )}
      <div className="card span-4">
        <h3>Loaded data</h3>
        {s ? (
          <table className="kv" data-testid="data-summary">
            <tbody>
              <tr><th>Source</th><td>{s.file}</td></tr>
              <tr><th>Images</th><td data-testid="count-images">{s.images}</td></tr>
              <tr><th>Train / validation</th><td data-testid="count-split">{s.train} / {s.validation}</td></tr>
              <tr><th>Feature cache</th><td data-testid="count-cache">{s.cacheHits} hits, {s.cacheMisses} computed</td></tr>
            </tbody>
          </table>
        ) : loading ? (
          <div className="stack" aria-hidden="true">{[80, 50, 65, 70].map((w) => <div key={w} className="skeleton skeleton-line" style={{ width: `${w}%` }} />)}</div>
        ) : (
          <div className="empty"><strong>No data loaded</strong><span>Use the synthetic scenes, or drop a captions file and its images.</span></div>
        )}
      </div>
      <div className="card span-8">
        <h3>Preview</h3>
        {tiles.length > 0 ? (
          <div className="grid" data-testid="preview-grid">
            {tiles.map((t) => (
              <figure key={t.url} className={skipped.has(t.name.slice(t.name.lastIndexOf('/') + 1)) ? 'skipped' : ''}>
                <img src={t.url} alt={t.caption} width={96} height={96} />
                <figcaption title={t.name}>{t.caption}</figcaption>
              </figure>
            ))}
          </div>
        ) : loading ? (
          <div className="grid" aria-hidden="true">{Array.from({ length: 8 }, (_, i) => <div key={i} className="skeleton" />)}</div>
        ) : (
          <div className="empty"><strong>Nothing to preview yet</strong><span>Images and their captions show here once chosen.</span></div>
        )}
      </div>
    </section>
  );
}
