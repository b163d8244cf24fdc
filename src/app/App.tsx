// The playground shell: one page, six tabs. Every screen stays mounted (hidden when not
// active) so charts and file pickers keep their state while the user switches tabs.
import { useState } from 'react';
import { DataScreen } from './data/DataScreen.tsx';
import { ModelScreen } from './model/ModelScreen.tsx';
import { ProbesScreen } from './probes/ProbesScreen.tsx';
import { RetrieveScreen } from './retrieve/RetrieveScreen.tsx';
import { StatusBar } from './StatusBar.tsx';
import { StorageScreen } from './storage/StorageScreen.tsx';
import { TrainScreen } from './train/TrainScreen.tsx';
import { useStore } from './store.ts';
import './styles.css';

export const TABS = ['Model', 'Data', 'Train', 'Retrieve', 'Probes', 'Storage'] as const;
export type Tab = (typeof TABS)[number];

const SCREENS: Record<Tab, () => React.JSX.Element> = {
  Model: ModelScreen,
  Data: DataScreen,
  Train: TrainScreen,
  Retrieve: RetrieveScreen,
  Probes: ProbesScreen,
  Storage: StorageScreen,
};

export function App() {
  const fatal = useStore((s) => s.fatal);
  const [tab, setTab] = useState<Tab>(() => {
    const saved = localStorage.getItem('discern.tab') as Tab | null;
    return saved && TABS.includes(saved) ? saved : 'Model';
  });
  const choose = (t: Tab) => {
    setTab(t);
    localStorage.setItem('discern.tab', t);
  };
  return (
    <div className="app">
      <header className="app-header">
        <div className="app-header-inner">
          <div className="app-bar">
            <div className="brand">
              <span className="brand-mark" aria-hidden="true" />
              <div>
                <h1>Discern</h1>
                <p>Discriminative fine-tuning of a small vision-language model, on your GPU, in this tab.</p>
              </div>
            </div>
            <StatusBar />
          </div>
          <nav className="tabs" role="tablist" aria-label="Screens">
            {TABS.map((t, i) => (
              <button key={t} role="tab" aria-selected={t === tab} data-testid={`tab-${t.toLowerCase()}`} onClick={() => choose(t)}>
                <span className="tab-step" aria-hidden="true">{i + 1}</span>
                {t}
              </button>
            ))}
          </nav>
        </div>
      </header>
      <main className="app-content">
        {fatal && (
          <p role="alert" className="error" data-testid="fatal">
            {fatal}
          </p>
        )}
        {TABS.map((t) => {
          const Screen = SCREENS[t];
          return (
            <div key={t} role="tabpanel" aria-label={t} hidden={t !== tab} data-testid={`panel-${t.toLowerCase()}`}>
              <Screen />
            </div>
          );
        })}
      </main>
    </div>
  );
}
