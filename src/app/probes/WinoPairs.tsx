// Winoground pairs of the synthetic split: both images, both captions, the 2×2 cosine table
// s[c][i] = sim(caption c, image i) per variant, and whether text / image / group were right.
import type { EvalPlanData } from '../../protocol/messages.ts';
import { winoSims } from '../../shared/eval.ts';
import type { Variant, VariantResult } from './probeRun.ts';

const mark = (ok: boolean) => (ok ? '✔' : '✘');

export function WinoPairs({ plan, urls, results }: { plan: EvalPlanData; urls: string[]; results: Partial<Record<Variant, VariantResult>> }) {
  return (
    <table className="sims wino data" data-testid="wino-pairs">
      <thead>
        <tr><th>images</th><th>captions</th>{(['base', 'tuned'] as const).filter((v) => results[v]).map((v) => <th key={v}>{v}: s[c][i] · text / image / group</th>)}</tr>
      </thead>
      <tbody>
        {plan.wino.map((w) => (
          <tr key={w.id} data-testid="wino-pair">
            <td>{w.imgs.map((i, k) => <img key={k} src={urls[i]} alt={`${w.id} image ${k}`} width={48} height={48} />)}</td>
            <td>0: {plan.texts[w.caps[0]]}<br />1: {plan.texts[w.caps[1]]}<br /><small>{w.kind}</small></td>
            {(['base', 'tuned'] as const).filter((v) => results[v]).map((v) => {
              const r = results[v];
              if (!r) return <td key={v}>—</td>;
              const s = winoSims(w, r.T, r.I, r.dim);
              const text = s[0][0] > s[1][0] && s[1][1] > s[0][1];
              const image = s[0][0] > s[0][1] && s[1][1] > s[1][0];
              return (
                <td key={v}>
                  <code>[{s[0][0].toFixed(3)} {s[0][1].toFixed(3)}]<br />[{s[1][0].toFixed(3)} {s[1][1].toFixed(3)}]</code>
                  <br /><span className={text && image ? 'wins' : 'loses'}>{mark(text)} / {mark(image)} / {mark(text && image)}</span>
                </td>
              );
            })}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
