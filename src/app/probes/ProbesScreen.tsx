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

const VARIANTS: Variant[] = ['base', 'tuned'];

export function ProbesScreen() {
  const modelReady = useStore((s) => s.model.status === 'ready');
  const training = useStore((s) => s.train.state === 'running');
  const p = useProbes();
  // Re-render on model/training changes so a stale result set is flagged.
  const stale = useStore(() => p.stamp !== null && p.stamp !== variantOf('tuned'));
  const [category, setCategory] = useState<SugarCrepeCategory>('replace-obj');
  const [index, setIndex] = useState(0);
  const [attVariant, setAttVariant] = useState<Variant>('tuned');
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
      <h2>Probes</h2>
      <p className="hint">Synthetic test split (seed {p.seed}, {p.count} scenes): SugarCrepe-style hard negatives and Winoground pairs, scored by cosine similarity.</p>
      {blocked && <p className="hint" data-testid="probes-blocked">{blocked}</p>}
      <div className="row">
        <label>Scenes <input type="number" min={4} max={200} value={p.count} data-testid="probes-count" style={{ width: 64 }}
          onChange={(e) => p.setSize(Math.max(4, Number(e.target.value) || 4), p.seed)} /></label>
        <button className="primary" data-testid="probes-run" disabled={!!blocked || p.status === 'running'} onClick={() => void p.run()}>Run probes (base and tuned)</button>
        <progress data-testid="probes-progress" max={p.progress.total || 1} value={p.progress.done} />
        <span data-testid="probes-status">{p.status === 'running' ? p.progress.what : p.status}</span>
      </div>
      {stale && <p className="hint" data-testid="probes-stale">The model or its adapters changed since these results were computed: run the probes again.</p>}
      {p.error && <p role="alert" className="error" data-testid="probes-error">{p.error}</p>}
      {Object.keys(p.results).length > 0 && (
        <>
          <div className="legend">Legend:<span style={{ background: '#9aa4b2' }} />base model<span style={{ background: '#1f6feb' }} />tuned adapter</div>
          <h3>SugarCrepe accuracy per category</h3>
          <Bars rows={scRows} testId="bars-sugarcrepe" />
          <h3>Winoground ({p.results.base?.report.winoground.n ?? 0} pairs)</h3>
          <Bars rows={winoRows} testId="bars-winoground" />
          <h3>Retrieval on the test pairs ({p.plan?.n ?? 0} images and captions)</h3>
          <Bars rows={retrievalRows} testId="bars-retrieval" />
        </>
      )}
      {ready && p.plan && item && (
        <>
          <h3>Items</h3>
          <div className="row">
            <select data-testid="probe-category" value={category} onChange={(e) => { setCategory(e.target.value as SugarCrepeCategory); setIndex(0); }}>
              {SUGARCREPE_CATEGORIES.map((c) => <option key={c} value={c} disabled={!p.plan!.probes.some((x) => x.category === c)}>{c}</option>)}
            </select>
            <button data-testid="probe-prev" disabled={index === 0} onClick={() => setIndex(index - 1)}>◀</button>
            <span data-testid="probe-position">{Math.min(index, items.length - 1) + 1} / {items.length}</span>
            <button data-testid="probe-next" disabled={index >= items.length - 1} onClick={() => setIndex(index + 1)}>▶</button>
            <span>attention of</span>
            {VARIANTS.map((v) => (
              <label key={v}><input type="radio" name="att-variant" data-testid={`att-${v}`} checked={attVariant === v} onChange={() => setAttVariant(v)} />{v}</label>
            ))}
          </div>
          <div className="item" data-testid="probe-item">
            <figure style={{ margin: 0 }}>
              <Heatmap url={p.urls[item.image]} grid={p.attention?.grid ?? 1}
                weights={p.attention?.image === item.image && p.attention.variant === attVariant ? p.attention.weights : null} />
              <figcaption className="hint">
                {p.attention?.image === item.image
                  ? `layer ${p.attention.layer}, mean over heads; ${(100 * avg(p.attention.imageMass)).toFixed(1)}% of attention on image tokens`
                  : 'computing attention…'}
              </figcaption>
            </figure>
            <table className="sims">
              <thead><tr><th>caption</th>{VARIANTS.map((v) => <th key={v}>{v}</th>)}</tr></thead>
              <tbody>
                {(['pos', 'neg'] as const).map((which) => (
                  <tr key={which} data-testid={`caption-${which}`}>
                    <td>{which === 'pos' ? '✔ ' : '✘ '}{p.plan!.texts[item[which]]}</td>
                    {VARIANTS.map((v) => {
                      const r = p.results[v]!;
                      const s = dot(r.T, item[which], r.I, item.image, r.dim);
                      const wins = dot(r.T, item.pos, r.I, item.image, r.dim) > dot(r.T, item.neg, r.I, item.image, r.dim);
                      return <td key={v} className={which === 'pos' ? (wins ? 'wins' : 'loses') : ''} data-testid={`sim-${which}-${v}`}>{s.toFixed(4)}</td>;
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h3>Winoground pairs</h3>
          <WinoPairs plan={p.plan} urls={p.urls} results={p.results} />
        </>
      )}
    </section>
  );
}

const avg = (xs: Float32Array) => xs.reduce((a, b) => a + b, 0) / (xs.length || 1);
