export function RetrieveScreen() { return <section data-testid="screen-retrieve"><h2>Retrieve</h2></section>; }
