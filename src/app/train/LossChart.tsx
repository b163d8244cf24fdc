// A uPlot line chart of some train.series columns. Reads the series through
// useStore.subscribe (no React re-render per metrics batch); the whole history is plotted.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtBytes } from '../format.ts';
import { useStore, type Series } from '../store.ts';

type Column = Exclude<keyof Series, 'step'>;
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700'];

/** y tick labels: bytes as KiB/MiB, tiny values (lr) in exponent form. */
function ticks(unit: 'bytes' | 'number') {
  return (_u: uPlot, vals: number[]) =>
    vals.map((v) => (unit === 'bytes' ? fmtBytes(v) : v !== 0 && Math.abs(v) < 1e-2 ? v.toExponential(1) : String(+v.toPrecision(4))));
}

export function LossChart({ title, columns, testId, unit = 'number' }: { title: string; columns: readonly Column[]; testId: string; unit?: 'bytes' | 'number' }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const data = (s: Series): uPlot.AlignedData => [s.step, ...columns.map((c) => s[c])];
    const plot = new uPlot(
      {
        title, width: 480, height: 200,
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, { size: 70, values: ticks(unit) }],
        series: [{ label: 'step' }, ...columns.map((c, i) => ({ label: c, stroke: COLORS[i % COLORS.length], width: 1.5 }))],
      },
      data(useStore.getState().train.series),
      el,
    );
    el.dataset.points = String(useStore.getState().train.series.step.length);
    const unsub = useStore.subscribe((s, prev) => {
      if (s.train.series === prev.train.series) return;
      plot.setData(data(s.train.series));
      el.dataset.points = String(s.train.series.step.length); // for tests: points plotted
    });
    return () => {
      unsub();
      plot.destroy();
    };
  }, [title, columns, unit]);
  return <div ref={host} className="chart" data-testid={testId} />;
}
