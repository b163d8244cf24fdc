// Retrieve: a gallery of dropped (or synthetic) images embedded in the worker, a text query →
// top-k images with cosine scores, a click on an image → captions (and similar images) ranked.
// "Base model / tuned adapter" switches the embeddings (embed {base: true} bypasses LoRA and
// soft prompts). "Tuned" is disabled until the model carries an adapter (trained, resumed or
// imported: train.adapter) and names it. State lives in gallery.ts.
import { useEffect, useState } from 'react';
import { useStore } from '../store.ts';
import { useGallery, type Mode } from './gallery.ts';
import './retrieve.css';

export function RetrieveScreen() {
  const modelReady = useStore((s) => s.model.status === 'ready');
  const training = useStore((s) => s.train.state === 'running');
  const adapter = useStore((s) => s.train.adapter);
  const g = useGallery();
  // No adapter: "tuned" would be the base model under another name, so base; when one
  // appears (trained, resumed, imported), switch to it once — the user may switch back.
  const hasAdapter = !!adapter;
  const setMode = g.setMode;
  useEffect(() => setMode(hasAdapter ? 'tuned' : 'base'), [hasAdapter, setMode]);
  const [k, setK] = useState(5);
  const [query, setQuery] = useState('');
  const [newCaptions, setNewCaptions] = useState('');
  const [dragging, setDragging] = useState(false);
  const busy = g.status === 'embedding';
  const blocked = !modelReady ? 'Load a model first (Model tab).' : training ? 'Pause the training run to use the GPU here.' : null;

  return (
    <section data-testid="screen-retrieve" className="screen retrieve">
      <header className="screen-head">
        <h2>Retrieve</h2>
        <p>Embed a gallery with the base model or the tuned adapter, then search it by text, or click an image to rank captions and similar images.</p>
      </header>
      {blocked && <p className="notice" data-testid="retrieve-blocked">{blocked}</p>}
      <div className="card span-7">
        <div className="card-head">
          <h3>Gallery</h3>
          <div className="segmented" role="radiogroup" aria-label="Embeddings">
            {(['base', 'tuned'] as Mode[]).map((m) => (
              <label key={m}>
                <input type="radio" name="retrieve-mode" data-testid={`mode-${m}`} checked={g.mode === m} disabled={m === 'tuned' && !adapter} onChange={() => g.setMode(m)} />
                {m === 'base' ? 'Base model' : 'Tuned adapter'}
              </label>
            ))}
          </div>
        </div>
        <p className="muted adapter-ref" data-testid="retrieve-adapter">
          {adapter ? <>Tuned = {adapter.label}</> : 'No adapter yet: train, resume or import one (Train tab) to compare with the base model.'}
        </p>
        <div
          data-testid="gallery-dropzone" className={`dropzone${dragging ? ' over' : ''}`}
          onDragOver={(e) => { e.preventDefault(); setDragging(true); }}
          onDragLeave={() => setDragging(false)}
          onDrop={(e) => { e.preventDefault(); setDragging(false); void g.addFiles([...e.dataTransfer.files]); }}
        >
          <span>Drop images here, or pick them:</span>
          <div className="row">
            <input type="file" accept="image/*" multiple data-testid="gallery-files" aria-label="Gallery images" onChange={(e) => void g.addFiles([...(e.target.files ?? [])])} />
            <button data-testid="add-synthetic" onClick={() => void g.addSynthetic(8)}>Add 8 synthetic test images</button>
            <button data-testid="clear-gallery" onClick={() => g.clear()} disabled={busy}>Clear</button>
          </div>
        </div>
        <div className="row embed-row">
          <button className="primary" data-testid="embed-gallery" disabled={!!blocked || busy || !g.images.length} onClick={() => void g.embedGallery()}>
            Embed gallery ({g.images.length} images)
          </button>
          <progress data-testid="embed-progress" aria-label="Embedding progress" max={g.progress.total || 1} value={g.progress.done} />
          <span className="pill" data-testid="embed-status">{g.status === 'embedding' ? `${g.progress.done} / ${g.progress.total}` : g.status}</span>
        </div>
        {g.error && <p role="alert" className="error" data-testid="retrieve-error">{g.error}</p>}
        {g.images.length > 0 ? (
          <div className="gallery" data-testid="gallery">
            {g.images.map((im, i) => (
              <figure key={i} data-testid="gallery-item" className={`${g.imageHits?.image === i ? 'selected' : ''} ${im.problem ? 'bad' : ''}`} title={im.problem ?? 'Click: rank captions and similar images'}>
                <img src={im.url} alt={im.name} onClick={() => !blocked && void g.queryImage(i, k)} />
                <figcaption>{im.name}</figcaption>
              </figure>
            ))}
          </div>
        ) : (
          <div className="empty" data-testid="gallery-empty">
            <strong>The gallery is empty</strong>
            <span>Add the synthetic test images or drop your own photos, then embed them.</span>
          </div>
        )}
      </div>
      <div className="card span-5">
        <h3>Text → images</h3>
        <form className="row query" onSubmit={(e) => { e.preventDefault(); if (query.trim()) void g.queryText(query.trim(), k); }}>
          <input type="text" data-testid="text-query" aria-label="Text query" placeholder="a red cube left of a blue ball" value={query} onChange={(e) => setQuery(e.target.value)} />
          <label>top-k <input type="number" min={1} max={50} value={k} data-testid="top-k" onChange={(e) => setK(Math.max(1, Number(e.target.value) || 1))} style={{ width: 64 }} /></label>
          <button type="submit" className="primary" data-testid="search" disabled={!!blocked || busy}>Search</button>
        </form>
        {g.textHits ? (
          <>
            <p className="sub">Images for “{g.textHits.query}”</p>
            <div className="hits" data-testid="text-hits" data-query={g.textHits.query}>
              {g.textHits.hits.map((h, r) => (
                <figure key={r} data-testid="text-hit" data-index={h.index}>
                  <img src={g.images[h.index].url} alt={g.images[h.index].name} />
                  <figcaption><span className="rank">#{r + 1}</span> {g.images[h.index].name}<br /><span className="score" data-testid="hit-score">{h.score.toFixed(4)}</span></figcaption>
                </figure>
              ))}
            </div>
          </>
        ) : (
          <div className="empty"><strong>No query yet</strong><span>Type a caption to rank the gallery by cosine similarity.</span></div>
        )}
      </div>
      {g.imageHits && (
        <div className="card">
          <h3>Image → captions: {g.images[g.imageHits.image].name}</h3>
          <div className="image-query">
            <div className="stack">
              {g.captions.length === 0 && <p className="hint">No candidate captions yet: add some below.</p>}
              <ol className="captions" data-testid="caption-hits">
                {g.imageHits.captions.map((h) => (
                  <li key={h.index}><span className="score">{h.score.toFixed(4)}</span> {g.captions[h.index]}</li>
                ))}
              </ol>
            </div>
            <div className="stack">
              <h4>Similar images</h4>
              <div className="hits" data-testid="image-hits">
                {g.imageHits.images.map((h, r) => (
                  <figure key={r} data-testid="image-hit" data-index={h.index}>
                    <img src={g.images[h.index].url} alt={g.images[h.index].name} />
                    <figcaption><span className="rank">#{r + 1}</span> {g.images[h.index].name}<br /><span className="score">{h.score.toFixed(4)}</span></figcaption>
                  </figure>
                ))}
              </div>
            </div>
          </div>
        </div>
      )}
      <details className="card">
        <summary>Candidate captions ({g.captions.length})</summary>
        <textarea data-testid="new-captions" aria-label="New candidate captions" placeholder="one caption per line" value={newCaptions} onChange={(e) => setNewCaptions(e.target.value)} />
        <div className="row">
          <button data-testid="add-captions" onClick={() => { g.addCaptions(newCaptions); setNewCaptions(''); }}>Add captions</button>
        </div>
        <ul className="caption-list">{g.captions.map((c, i) => <li key={i}>{c}</li>)}</ul>
      </details>
    </section>
  );
}
