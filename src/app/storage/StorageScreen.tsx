export function StorageScreen() { return <section data-testid="screen-storage"><h2>Storage</h2></section>; }
