// Horizontal paired bars (base vs tuned) in plain CSS: one row per label, value in [0, 1].
import type { Variant } from './probeRun.ts';

export interface BarRow {
  label: string;
  values: Partial<Record<Variant, number>>;
  /** Shown after the percentage, e.g. "(7/9)". */
  note?: Partial<Record<Variant, string>>;
}

const pct = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? 'n/a' : `${(100 * x).toFixed(1)}%`);

/** `variants`: the columns measured (just 'base' while the model carries no adapter). */
export function Bars({ rows, testId, variants = ['base', 'tuned'] }: { rows: BarRow[]; testId: string; variants?: readonly Variant[] }) {
  return (
    <div className="bars" data-testid={testId}>
      {rows.map((r) => [
        <div key={`${r.label}-l`} className="label">{r.label}</div>,
        ...variants.map((v) => (
          <div key={`${r.label}-${v}`} className={`bar ${v}`} data-testid={`bar-${r.label}-${v}`} data-value={r.values[v] ?? ''} title={`${v}: ${pct(r.values[v])}`}>
            <span className="track"><span style={{ width: `${Math.max(0, Math.min(1, r.values[v] ?? 0)) * 100}%` }} /></span>
            <em>{v} {pct(r.values[v])} {r.note?.[v] ?? ''}</em>
          </div>
        )),
      ])}
    </div>
  );
}
