// Golden render hashes shared by the Node test (synthetic.test.ts) and the browser test
// (synthetic.browser.test.ts). Both must reproduce these exact values: that is the proof
// that the rasteriser and PNG encoder are byte-identical across runtimes.
// Regenerate ONLY on an intentional change of the generator or rasteriser.
import { fnv1a, Rng } from './prng.ts';
import { encodePng } from './png.ts';
import { renderScene } from './raster.ts';
import { randomScene } from './scene.ts';

/** Hash of concatenated per-scene hashes for seeds 1..count at width×height, plus PNG bytes of seed 1. */
export function renderDigest(count: number, width: number, height: number): { pixels: string; png: string } {
  const parts: string[] = [];
  for (let seed = 1; seed <= count; seed++) parts.push(fnv1a(renderScene(randomScene(new Rng(seed)), width, height)));
  const first = renderScene(randomScene(new Rng(1)), width, height);
  return { pixels: fnv1a(new TextEncoder().encode(parts.join(''))), png: fnv1a(encodePng(first, width, height)) };
}

export const GOLDEN = {
  square64: { count: 50, width: 64, height: 64, pixels: '2de80cd1', png: '6986b0c3' },
  wide48x40: { count: 20, width: 48, height: 40, pixels: 'c5b212d3', png: '4b462282' },
};
