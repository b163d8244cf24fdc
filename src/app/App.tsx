import { DevicePanel } from './device/DevicePanel.tsx';
import { useStore } from './store.ts';

export function App() {
  const fatal = useStore((s) => s.fatal);
  return (
    <main style={{ fontFamily: 'system-ui, sans-serif', maxWidth: 960, margin: '0 auto', padding: 16 }}>
      <h1>Discern</h1>
      <p>Discriminative fine-tuning of a small vision-language model, on your GPU, in this tab.</p>
      {fatal && <p role="alert">{fatal}</p>}
      <DevicePanel />
    </main>
  );
}
