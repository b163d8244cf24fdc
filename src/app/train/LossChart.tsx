// A uPlot line chart of some train.series columns. Reads the series through
// useStore.subscribe (no React re-render per metrics batch); the whole history is plotted.
// Width follows the card (ResizeObserver); axis, grid and series colours come from the design
// tokens (theme.ts), and the plot is rebuilt when the colour scheme flips. Until the first
// point arrives the card shows an empty-state note (CSS on data-points="0", no re-render).
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { fmtBytes } from '../format.ts';
import { useStore, type Series } from '../store.ts';
import { token, useColorScheme } from '../theme.ts';

type Column = Exclude<keyof Series, 'step'>;
const HEIGHT = 200;

/** y tick labels: bytes as KiB/MiB, tiny values (lr) in exponent form. */
function ticks(unit: 'bytes' | 'number') {
  return (_u: uPlot, vals: number[]) =>
    vals.map((v) => (unit === 'bytes' ? fmtBytes(v) : v !== 0 && Math.abs(v) < 1e-2 ? v.toExponential(1) : String(+v.toPrecision(4))));
}

export function LossChart({ title, columns, testId, unit = 'number' }: { title: string; columns: readonly Column[]; testId: string; unit?: 'bytes' | 'number' }) {
  const host = useRef<HTMLDivElement>(null);
  const scheme = useColorScheme();
  useEffect(() => {
    const el = host.current!;
    const data = (s: Series): uPlot.AlignedData => [s.step, ...columns.map((c) => s[c])];
    const font = `12px ${token('--font-sans')}`;
    const grid = token('--chart-grid');
    const axis = { stroke: token('--chart-axis'), grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 }, font, labelFont: font };
    const colors = [1, 2, 3, 4].map((i) => token(`--series-${i}`));
    // A hidden panel has width 0: plot at a sensible width and let the observer fix it when shown.
    const width = () => el.clientWidth || 480;
    const plot = new uPlot(
      {
        width: width(), height: HEIGHT,
        scales: { x: { time: false } },
        axes: [{ ...axis, label: 'step' }, { ...axis, size: 70, values: ticks(unit) }],
        series: [{ label: 'step' }, ...columns.map((c, i) => ({ label: c, stroke: colors[i % colors.length], width: 2 }))],
      },
      data(useStore.getState().train.series),
      el,
    );
    const resize = new ResizeObserver(() => {
      if (el.clientWidth && el.clientWidth !== plot.width) plot.setSize({ width: el.clientWidth, height: HEIGHT });
    });
    resize.observe(el);
    el.dataset.points = String(useStore.getState().train.series.step.length);
    const unsub = useStore.subscribe((s, prev) => {
      if (s.train.series === prev.train.series) return;
      plot.setData(data(s.train.series));
      el.dataset.points = String(s.train.series.step.length); // for tests: points plotted
    });
    return () => {
      unsub();
      resize.disconnect();
      plot.destroy();
    };
  }, [title, columns, unit, scheme]);
  return (
    <figure className="chart card">
      <figcaption>{title}</figcaption>
      <div className="chart-body">
        <div ref={host} className="chart-plot" data-testid={testId} />
        <div className="chart-empty">No points yet: start a run and every step plots here live.</div>
      </div>
    </figure>
  );
}
