// A horizontally scrolling box for wide tables on narrow screens. Focusable and named so
// keyboard users can scroll it too (axe: scrollable-region-focusable).
export function ScrollX({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="scroll-x" tabIndex={0} role="region" aria-label={label}>
      {children}
    </div>
  );
}
