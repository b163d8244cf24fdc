export function TrainScreen() { return <section data-testid="screen-train"><h2>Train</h2></section>; }
