export function DataScreen() { return <section data-testid="screen-data"><h2>Data</h2></section>; }
