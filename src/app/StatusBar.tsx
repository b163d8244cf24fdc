// The header's status pills: model, data, device and training run at a glance (read-only;
// each pill names what it shows for screen readers through its title and text).
import { useStore } from './store.ts';

type Tone = 'ok' | 'busy' | 'bad' | '';

function Pill({ tone, label, value, testId }: { tone: Tone; label: string; value: string; testId: string }) {
  return (
    <span className={`pill ${tone}`} title={`${label}: ${value}`} data-testid={testId}>
      <span className="dot" aria-hidden="true" />
      {label}: {value}
    </span>
  );
}

export function StatusBar() {
  const model = useStore((s) => s.model);
  const data = useStore((s) => s.data);
  const device = useStore((s) => s.device);
  const train = useStore((s) => s.train);
  const tone = (st: string): Tone => (st === 'ready' ? 'ok' : st === 'loading' ? 'busy' : st === 'error' ? 'bad' : '');
  const modelText = model.status === 'ready' ? (model.info?.name ?? 'ready') : model.status === 'loading' ? 'loading…' : model.status === 'error' ? 'failed' : 'none';
  const dataText = data.status === 'ready' && data.summary ? `${data.summary.train} train / ${data.summary.validation} val` : data.status === 'loading' ? 'loading…' : data.status === 'error' ? 'failed' : 'none';
  const gpuText = device.status === 'ready' ? (device.summary ?? 'ready') : device.status === 'error' ? 'unavailable' : 'connecting…';
  const trainTone: Tone = train.state === 'running' ? 'ok' : train.state === 'paused' ? 'busy' : train.state === 'error' ? 'bad' : '';
  const trainText = train.state === 'running' || train.state === 'paused' ? `${train.state} ${train.step}/${train.totalSteps}` : train.state;
  return (
    <div className="status-bar" aria-label="Status" role="group">
      <Pill tone={tone(model.status)} label="Model" value={modelText} testId="status-model" />
      <Pill tone={tone(data.status)} label="Data" value={dataText} testId="status-data" />
      <Pill tone={trainTone} label="Train" value={trainText} testId="status-train" />
      <Pill tone={tone(device.status)} label="GPU" value={gpuText} testId="status-gpu" />
    </div>
  );
}
