// Design tokens for code that draws (uPlot charts, canvases): reads the CSS custom properties
// of styles.css off :root, and a hook that re-renders when the colour scheme flips
// (prefers-color-scheme), so a chart can rebuild itself with the other palette.
import { useSyncExternalStore } from 'react';

const DARK = '(prefers-color-scheme: dark)';

/** The value of a custom property on :root, e.g. token('--series-1') → '#1d5fd1'. */
export function token(name: string): string {
  return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
}

function subscribe(onChange: () => void): () => void {
  const mq = matchMedia(DARK);
  mq.addEventListener('change', onChange);
  return () => mq.removeEventListener('change', onChange);
}

/** 'dark' | 'light', following the system setting live. */
export function useColorScheme(): 'dark' | 'light' {
  return useSyncExternalStore(subscribe, () => (matchMedia(DARK).matches ? 'dark' : 'light'), () => 'light');
}
