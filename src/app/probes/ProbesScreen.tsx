// Probes: SugarCrepe accuracy per category and Winoground text/image/group scores on the
// synthetic test split, base vs tuned, as bars; one item at a time with its image, positive
// and hard-negative captions and their cosine similarities (green when the positive wins),
// and the summary token's last-layer attention over the image tokens as a heat map.
import { useEffect, useState } from 'react';
import { dot, SUGARCREPE_CATEGORIES, type SugarCrepeCategory } from '../../shared/eval.ts';
import { variantOf } from '../retrieve/gallery.ts';
import { useStore } from '../store.ts';
import { Bars, type BarRow } from './Bars.tsx';
import { Heatmap } from './Heatmap.tsx';
import { WinoPairs } from './WinoPairs.tsx';
import { useProbes, type Variant } from './probeRun.ts';
import './probes.css';
import { ScrollX } from '../ScrollX.tsx';

const VARIANTS: Variant[] = ['base', 'tuned'];

export function ProbesScreen() {
  const modelReady = useStore((s) => s.model.status === 'ready');
  const training = useStore((s) => s.train.state === 'running');
  const p = useProbes();
  // "tuned" exists only when the model carries an adapter (trained, resumed or imported).
  const adapter = useStore((s) => s.train.adapter);
  const shown = VARIANTS.filter((v) => p.results[v]);
  // Re-render on model/training changes so a stale result set is flagged.
  const stale = useStore(() => p.stamp !== null && p.stamp !== variantOf('tuned'));
  const [category, setCategory] = useState<SugarCrepeCategory>('replace-obj');
  const [index, setIndex] = useState(0);
  const [attChoice, setAttVariant] = useState<Variant>('tuned');
  const attVariant: Variant = p.results.tuned ? attChoice : 'base';
  const blocked = !modelReady ? 'Load a model first (Model tab).' : training ? 'Pause the training run to use the GPU here.' : null;

  const items = p.plan?.probes.filter((x) => x.category === category) ?? [];
  const item = items[Math.min(index, items.length - 1)];
  const ready = p.status === 'ready';

  // The heat map follows the selected item and the base/tuned choice.
  useEffect(() => {
    if (ready && item && !blocked) void p.attend(item.image, attVariant);
  }, [ready, item?.image, attVariant, blocked]); // eslint-disable-line react-hooks/exhaustive-deps

  const scRows: BarRow[] = SUGARCREPE_CATEGORIES.map((c) => {
    const row: BarRow = { label: c, values: {}, note: {} };
    for (const v of VARIANTS) {
      const s = p.results[v]?.report.sugarcrepe.perCategory[c];
      if (s) [row.values[v], row.note![v]] = [s.accuracy, `(${s.correct}/${s.total})`];
    }
    return row;
  });
  const winoRows: BarRow[] = (['text', 'image', 'group'] as const).map((k) => ({
    label: k, values: Object.fromEntries(VARIANTS.filter((v) => p.results[v]).map((v) => [v, p.results[v]!.report.winoground[k]])),
  }));

  const retrievalRows: BarRow[] = (['textToImage', 'imageToText'] as const).flatMap((dir) => [1, 5].map((k) => ({
    label: `${dir === 'textToImage' ? 'text→image' : 'image→text'} R@${k}`,
    values: Object.fromEntries(VARIANTS.filter((v) => p.results[v]).map((v) => [v, p.results[v]!.report.retrieval[dir][k]])),
  })));

  return (
    <section data-testid="screen-probes" className="screen probes">
      <header className="screen-head">
        <h2>Probes</h2>
        <p>Synthetic test split (seed {p.seed}, {p.count} scenes): SugarCrepe-style hard negatives and Winoground pairs, scored by cosine similarity.</p>
      </header>
      {blocked && <p className="notice" data-testid="probes-blocked">{blocked}</p>}
      <div className="card">
        <div className="row">
          <label>Scenes <input type="number" min={4} max={200} value={p.count} data-testid="probes-count"
            onChange={(e) => p.setSize(Math.max(4, Number(e.target.value) || 4), p.seed)} /></label>
          <button className="primary" data-testid="probes-run" disabled={!!blocked || p.status === 'running'} onClick={() => void p.run(adapter ? ['base', 'tuned'] : ['base'])}>
            {adapter ? 'Run probes (base and tuned)' : 'Run probes (base model)'}</button>
          <progress data-testid="probes-progress" aria-label="Probe progress" max={p.progress.total || 1} value={p.progress.done} />
          <span className="pill" data-testid="probes-status">{p.status === 'running' ? p.progress.what : p.status}</span>
        </div>
        <p className="muted adapter-ref" data-testid="probes-adapter">
          {adapter ? <>Tuned = {adapter.label}</> : 'No adapter yet: the probes score the base model only. Train, resume or import an adapter (Train tab) to compare.'}
        </p>
        {stale && <p className="warning" data-testid="probes-stale">The model or its adapters changed since these results were computed: run the probes again.</p>}
        {p.error && <p role="alert" className="error" data-testid="probes-error">{p.error}</p>}
      </div>
      {Object.keys(p.results).length > 0 ? (
        <>
          <div className="legend" aria-label="Legend">
            <span className="swatch base" />base model{shown.includes('tuned') && <><span className="swatch tuned" />tuned adapter</>}
          </div>
          <div className="card span-6">
            <h3>SugarCrepe accuracy per category</h3>
            <Bars rows={scRows} testId="bars-sugarcrepe" variants={shown} />
          </div>
          <div className="span-6 stack-cards">
            <div className="card">
              <h3>Winoground ({p.results.base?.report.winoground.n ?? 0} pairs)</h3>
              <Bars rows={winoRows} testId="bars-winoground" variants={shown} />
            </div>
            <div className="card">
              <h3>Retrieval on the test pairs ({p.plan?.n ?? 0} images and captions)</h3>
              <Bars rows={retrievalRows} testId="bars-retrieval" variants={shown} />
            </div>
          </div>
        </>
      ) : p.status === 'running' ? (
        <div className="card" aria-hidden="true">
          {[85, 60, 75, 50, 70].map((w) => <div key={w} className="skeleton skeleton-line" style={{ width: `${w}%` }} />)}
        </div>
      ) : (
        <div className="empty">
          <strong>No probe results yet</strong>
          <span>Run the probes to score the base model and the tuned adapter on the same held-out scenes.</span>
        </div>
      )}
      {ready && p.plan && item && (
        <>
          <div className="card">
            <div className="card-head">
              <h3>Items</h3>
              <div className="row">
                <select data-testid="probe-category" aria-label="Category" value={category} onChange={(e) => { setCategory(e.target.value as SugarCrepeCategory); setIndex(0); }}>
                  {SUGARCREPE_CATEGORIES.map((c) => <option key={c} value={c} disabled={!p.plan!.probes.some((x) => x.category === c)}>{c}</option>)}
                </select>
                <button data-testid="probe-prev" aria-label="Previous item" disabled={index === 0} onClick={() => setIndex(index - 1)}>◀</button>
                <span data-testid="probe-position" className="num">{Math.min(index, items.length - 1) + 1} / {items.length}</span>
                <button data-testid="probe-next" aria-label="Next item" disabled={index >= items.length - 1} onClick={() => setIndex(index + 1)}>▶</button>
                <span className="muted">attention of</span>
                <div className="segmented" role="radiogroup" aria-label="Attention of">
                  {VARIANTS.map((v) => (
                    <label key={v}><input type="radio" name="att-variant" data-testid={`att-${v}`} checked={attVariant === v} disabled={!p.results[v]} onChange={() => setAttVariant(v)} />{v}</label>
                  ))}
                </div>
              </div>
            </div>
            <div className="item" data-testid="probe-item">
              <figure>
                <Heatmap url={p.urls[item.image]} grid={p.attention?.grid ?? 1}
                  weights={p.attention?.image === item.image && p.attention.variant === attVariant ? p.attention.weights : null} />
                <figcaption className="hint">
                  {p.attention?.image === item.image
                    ? `layer ${p.attention.layer}, mean over heads; ${(100 * avg(p.attention.imageMass)).toFixed(1)}% of attention on image tokens`
                    : 'computing attention…'}
                </figcaption>
              </figure>
              <ScrollX label="Caption similarities">
                <table className="sims data">
                  <thead><tr><th>caption</th>{shown.map((v) => <th key={v}>{v}</th>)}</tr></thead>
                  <tbody>
                    {(['pos', 'neg'] as const).map((which) => (
                      <tr key={which} data-testid={`caption-${which}`}>
                        <td className="wrap">{which === 'pos' ? '✔ ' : '✘ '}{p.plan!.texts[item[which]]}</td>
                        {shown.map((v) => {
                          const r = p.results[v]!;
                          const s = dot(r.T, item[which], r.I, item.image, r.dim);
                          const wins = dot(r.T, item.pos, r.I, item.image, r.dim) > dot(r.T, item.neg, r.I, item.image, r.dim);
                          return <td key={v} className={which === 'pos' ? (wins ? 'wins' : 'loses') : ''} data-testid={`sim-${which}-${v}`}>{s.toFixed(4)}</td>;
                        })}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </ScrollX>
            </div>
          </div>
          <div className="card">
            <h3>Winoground pairs</h3>
            <ScrollX label="Winoground pairs table">
              <WinoPairs plan={p.plan} urls={p.urls} results={p.results} />
            </ScrollX>
          </div>
        </>
      )}
    </section>
  );
}

const avg = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
