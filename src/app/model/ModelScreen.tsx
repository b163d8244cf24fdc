// Model: a bundled tiny model (one click: the pretrained discern-tiny by default, or
// tiny-random), a Hugging Face base URL, or local files
// (folder picker / drop). Shows load progress in bytes, the model info, and the GPU.
import { BUNDLED_MODELS, type BundledModelName } from '../../protocol/messages.ts';
import { DevicePanel } from '../device/DevicePanel.tsx';
import { fmtBytes } from '../format.ts';
import { useStore } from '../store.ts';

export function ModelScreen() {
  const model = useStore((s) => s.model);
  const setModel = useStore((s) => s.setModel);
  const loadModel = useStore((s) => s.loadModel);
  const loading = model.status === 'loading';
  const onDrop = (ev: React.DragEvent) => {
    ev.preventDefault();
    const files = [...ev.dataTransfer.files];
    if (files.length) setModel({ kind: 'files', files });
  };
  return (
    <section data-testid="screen-model" className="screen">
      <h2>Model</h2>
      <fieldset className="choices" disabled={loading}>
        {(Object.keys(BUNDLED_MODELS) as BundledModelName[]).map((name) => (
          <label key={name}>
            <input
              type="radio" name="model-kind" data-testid={`bundled-${name}`}
              checked={model.kind === 'bundled' && model.bundled === name} onChange={() => setModel({ kind: 'bundled', bundled: name })}
            />
            Bundled tiny model <code>{name}</code> ({BUNDLED_MODELS[name].label})
          </label>
        ))}
        <label>
          <input type="radio" name="model-kind" checked={model.kind === 'url'} onChange={() => setModel({ kind: 'url' })} />
          Hugging Face base URL
          <input
            type="url" className="wide" placeholder="https://huggingface.co/HuggingFaceTB/SmolVLM-256M-Instruct/resolve/main/"
            value={model.url} onChange={(e) => setModel({ kind: 'url', url: e.target.value })}
          />
        </label>
        <label>
          <input type="radio" name="model-kind" checked={model.kind === 'files'} onChange={() => setModel({ kind: 'files' })} />
          Local folder
          <input
            type="file" data-testid="model-folder"
            // @ts-expect-error webkitdirectory is a non-standard attribute React passes through
            webkitdirectory="" multiple
            onChange={(e) => setModel({ kind: 'files', files: [...(e.target.files ?? [])] })}
          />
        </label>
        <div className="dropzone small" onDragOver={(e) => e.preventDefault()} onDrop={onDrop}>
          {model.kind === 'files' && model.files.length ? `${model.files.length} file(s) chosen` : 'or drop the model files here'}
        </div>
      </fieldset>
      <button className="primary" data-testid="load-model" disabled={loading || (model.kind === 'url' && !model.url) || (model.kind === 'files' && !model.files.length)} onClick={() => void loadModel()}>
        {model.kind === 'bundled' ? `Load the bundled ${model.bundled}` : 'Load model'}
      </button>
      {loading && (
        <div className="progress-row">
          <progress data-testid="model-progress" max={model.progress?.total || 1} value={model.progress?.done ?? 0} />
          <span>{model.progress ? `${fmtBytes(model.progress.done)} / ${fmtBytes(model.progress.total)}` : 'starting…'}</span>
        </div>
      )}
      {model.status === 'error' && <p role="alert" className="error" data-testid="model-error">{model.error}</p>}
      {model.info && (
        <table className="kv" data-testid="model-info">
          <tbody>
            <tr><th>Name</th><td>{model.info.name}</td></tr>
            <tr><th>Id</th><td><code>{model.info.modelId}</code></td></tr>
            <tr><th>Hidden size</th><td>{model.info.hidden}</td></tr>
            <tr><th>Decoder layers</th><td>{model.info.layers}</td></tr>
            <tr><th>Tokens per image</th><td>{model.info.tokensPerImage}</td></tr>
          </tbody>
        </table>
      )}
      <DevicePanel />
    </section>
  );
}
