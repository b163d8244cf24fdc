// A uPlot line chart of some train.series columns. Reads the series through
// useStore.subscribe (no React re-render per metrics batch); the whole history is plotted.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useStore, type Series } from '../store.ts';

type Column = Exclude<keyof Series, 'step'>;
const COLORS = ['#1f6feb', '#d1242f', '#1a7f37', '#9a6700'];

export function LossChart({ title, columns, testId }: { title: string; columns: readonly Column[]; testId: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = host.current!;
    const data = (s: Series): uPlot.AlignedData => [s.step, ...columns.map((c) => s[c])];
    const plot = new uPlot(
      {
        title, width: 480, height: 200,
        scales: { x: { time: false } },
        axes: [{ label: 'step' }, { size: 60 }],
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
  }, [title, columns]);
  return <div ref={host} className="chart" data-testid={testId} />;
}
