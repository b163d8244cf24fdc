// Model: a bundled tiny model (one click: the pretrained discern-tiny-v2 by default, its v1, or
// tiny-random), a Hugging Face base URL, or local files
// (folder picker / drop). Shows load progress in bytes (a Hub download per file, with rate,
// ETA and Cancel: DownloadPanel), the model info, and the GPU.
import { BUNDLED_MODELS, DEFAULT_BUNDLED_MODEL, type BundledModelName } from '../../protocol/messages.ts';
import { DemoCard } from '../demo/DemoCard.tsx';
import '../demo/demo.css';
import { DevicePanel } from '../device/DevicePanel.tsx';
import { DownloadPanel } from './DownloadPanel.tsx';
import { fmtBytes } from '../format.ts';
import { useStore } from '../store.ts';
import { MemoryFitNote, useMemoryFit } from './MemoryFit.tsx';

export function ModelScreen() {
  const model = useStore((s) => s.model);
  const setModel = useStore((s) => s.setModel);
  const loadModel = useStore((s) => s.loadModel);
  const cancelLoad = useStore((s) => s.cancelLoad);
  const loading = model.status === 'loading';
  const fit = useMemoryFit();
  const onDrop = (ev: React.DragEvent) => {
    ev.preventDefault();
    const files = [...ev.dataTransfer.files];
    if (files.length) setModel({ kind: 'files', files });
  };
  return (
    <section data-testid="screen-model" className="screen">
      <header className="screen-head">
        <h2>Model</h2>
        <p>Pick the vision-language model to fine-tune. The bundled tiny models load in a second and run anywhere WebGPU does.</p>
      </header>
      <DemoCard />
      <div className="card span-7">
        <h3>Choose a model</h3>
        <fieldset className="choices" disabled={loading}>
          <legend className="sr-only">Model source</legend>
          {(Object.keys(BUNDLED_MODELS) as BundledModelName[]).map((name) => (
            <label key={name} className="choice">
              <input
                type="radio" name="model-kind" data-testid={`bundled-${name}`}
                checked={model.kind === 'bundled' && model.bundled === name} onChange={() => setModel({ kind: 'bundled', bundled: name })}
              />
              <span className="choice-text">
                <span>Bundled tiny model <code>{name}</code></span>
                <small>{BUNDLED_MODELS[name].label}</small>
              </span>
            </label>
          ))}
          <label className="choice">
            <input type="radio" name="model-kind" checked={model.kind === 'url'} onChange={() => setModel({ kind: 'url' })} />
            <span className="choice-text">
              <span>Hugging Face base URL</span>
              <small>downloaded once into this browser (resumable), then loaded from there, also offline</small>
            </span>
            <input
              type="url" className="wide" aria-label="Hugging Face base URL" placeholder="https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/"
              value={model.url} onChange={(e) => setModel({ kind: 'url', url: e.target.value })}
            />
          </label>
          <label className="choice">
            <input type="radio" name="model-kind" checked={model.kind === 'files'} onChange={() => setModel({ kind: 'files' })} />
            <span className="choice-text">Local folder</span>
            <input
              type="file" data-testid="model-folder" aria-label="Model folder"
              // @ts-expect-error webkitdirectory is a non-standard attribute React passes through
              webkitdirectory="" multiple
              onChange={(e) => setModel({ kind: 'files', files: [...(e.target.files ?? [])] })}
            />
          </label>
          <div className="dropzone small" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
            {model.kind === 'files' && model.files.length ? `${model.files.length} file(s) chosen` : 'or drop the model files here'}
          </div>
        </fieldset>
        <div className="row">
          <button className="primary" data-testid="load-model" disabled={loading || fit?.fits === false || (model.kind === 'url' && !model.url) || (model.kind === 'files' && !model.files.length)} onClick={() => void loadModel()}>
            {model.kind === 'bundled' ? `Load the bundled ${model.bundled}` : 'Load model'}
          </button>
        </div>
        <MemoryFitNote fit={fit} />
        {model.download && <DownloadPanel download={model.download} loading={loading} onCancel={() => void cancelLoad()} />}
        {loading && (
          <div className="progress-row">
            <progress data-testid="model-progress" aria-label="Model download" max={model.progress?.total || 1} value={model.progress?.done ?? 0} />
            <span>{model.progress ? `${fmtBytes(model.progress.done)} / ${fmtBytes(model.progress.total)}` : 'starting…'}</span>
          </div>
        )}
        {model.status === 'error' && <p role="alert" className="error" data-testid="model-error">{model.error}</p>}
      </div>
      <div className="card span-5">
        <h3>Loaded model</h3>
        {model.info ? (
          <table className="kv" data-testid="model-info">
            <tbody>
              <tr><th>Name</th><td>{model.info.name}</td></tr>
              <tr><th>Id</th><td><code>{model.info.modelId}</code></td></tr>
              <tr><th>Hidden size</th><td>{model.info.hidden}</td></tr>
              <tr><th>Decoder layers</th><td>{model.info.layers}</td></tr>
              <tr><th>Tokens per image</th><td>{model.info.tokensPerImage}</td></tr>
              {model.loadSeconds !== undefined && <tr><th>Loaded in</th><td data-testid="model-load-seconds">{model.loadSeconds.toFixed(1)} s</td></tr>}
            </tbody>
          </table>
        ) : loading ? (
          <div className="stack" aria-hidden="true">
            {[70, 90, 50, 60, 40].map((w) => <div key={w} className="skeleton skeleton-line" style={{ width: `${w}%` }} />)}
          </div>
        ) : (
          <div className="empty" data-testid="model-empty">
            <strong>No model loaded</strong>
            <span>Load the bundled <code>{DEFAULT_BUNDLED_MODEL}</code> to start: it is pretrained on the synthetic scenes.</span>
          </div>
        )}
      </div>
      <DevicePanel />
    </section>
  );
}
