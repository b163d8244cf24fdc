// Typed test handle for the e2e specs: `window.__discern` exposes the store's state and a few
// actions so specs wait on state (page.waitForFunction) instead of sleeping. Installed by
// main.tsx in every build (it only reads what the UI already shows).
import { getEngine } from './engine.ts';
import { useStore, type State } from './store.ts';

export interface DiscernTestApi {
  state(): State;
  /** Per-step metrics plotted so far (length of the loss series). */
  points(): number;
  /** Destroys the engine's GPU device as a real loss would (dev server only: refused otherwise). */
  loseDevice(): Promise<unknown>;
}

declare global {
  interface Window {
    __discern?: DiscernTestApi;
  }
}

export function installTestApi(): void {
  window.__discern = {
    state: () => useStore.getState(),
    points: () => useStore.getState().train.series.step.length,
    loseDevice: () => getEngine().request('debug-lose-device', {}),
  };
}
