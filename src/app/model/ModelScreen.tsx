import { DevicePanel } from '../device/DevicePanel.tsx';
export function ModelScreen() { return <section data-testid="screen-model"><h2>Model</h2><DevicePanel /></section>; }
