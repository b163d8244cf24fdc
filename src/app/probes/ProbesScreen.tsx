export function ProbesScreen() { return <section data-testid="screen-probes"><h2>Probes</h2></section>; }
