// The synthetic dataset: seeded, deterministic, with train / val / test splits that share no
// scene (de-duplicated by canonical description), SugarCrepe-style negatives for the test
// split and Winoground-style pairs built from fresh scenes (also unique across everything).
import type { SugarCrepeCategory } from '../dataset.ts';
import { hardNegatives, longCaption, shortCaption } from './captions.ts';
import { captionText, checkCaption, type Caption } from './language.ts';
import { Rng } from './prng.ts';
import { canonical, randomScene, type Scene } from './scene.ts';

export interface SyntheticScene {
  id: string;
  scene: Scene;
  caption: string;
  longCaption: string;
  negatives: Partial<Record<SugarCrepeCategory, string>>;
}

export interface WinogroundPair {
  id: string;
  /** scenes[i] is described by captions[i] and NOT by captions[1 - i]. */
  scenes: [SyntheticScene, SyntheticScene];
  captions: [string, string];
  kind: 'swap-obj-order' | 'swap-att';
}

export interface SyntheticOptions {
  seed?: number;
  train?: number;
  val?: number;
  test?: number;
  winoground?: number;
}

export interface SyntheticDataset {
  seed: number;
  train: SyntheticScene[];
  val: SyntheticScene[];
  test: SyntheticScene[];
  winoground: WinogroundPair[];
}

export class SyntheticGenerationError extends Error {
  override readonly name = 'SyntheticGenerationError';
}

function describe(id: string, scene: Scene, rng: Rng, pos?: Caption): SyntheticScene {
  const caption = pos ?? shortCaption(scene, rng);
  return { id, scene, caption: captionText(caption), longCaption: longCaption(scene), negatives: hardNegatives(caption, scene, rng) };
}

/**
 * Winoground pair from a 2-object scene A with a spatial relation:
 *  * swap-obj-order: B = A with the two objects' cells exchanged; caption B is caption A
 *    with the two noun phrases swapped ("a red cube left of a blue ball" ↔ "a blue ball
 *    left of a red cube");
 *  * swap-att: B = A with the two colours exchanged; caption B swaps the colour words.
 */
function winogroundFrom(a: Scene, kind: WinogroundPair['kind'], rng: Rng): [Scene, Caption, Scene, Caption] | null {
  const [x, y] = a.objects;
  const rels = (['left of', 'right of', 'above', 'below'] as const).filter((r) => checkCaption([{ subject: { shape: x.shape }, relation: r, object: { shape: y.shape } }], a));
  if (rels.length === 0) return null;
  const rel = rng.pick(rels);
  const capA: Caption = [{ subject: { colour: x.colour, shape: x.shape }, relation: rel, object: { colour: y.colour, shape: y.shape } }];
  let b: Scene;
  let capB: Caption;
  if (kind === 'swap-obj-order') {
    b = { objects: [{ ...x, col: y.col, row: y.row }, { ...y, col: x.col, row: x.row }] };
    capB = [{ subject: capA[0].object!, relation: rel, object: capA[0].subject }];
  } else {
    b = { objects: [{ ...x, colour: y.colour }, { ...y, colour: x.colour }] };
    capB = [{ subject: { colour: y.colour, shape: x.shape }, relation: rel, object: { colour: x.colour, shape: y.shape } }];
  }
  const ok = checkCaption(capA, a) && checkCaption(capB, b) && !checkCaption(capA, b) && !checkCaption(capB, a);
  return ok ? [a, capA, b, capB] : null;
}

export function generateSynthetic(opts: SyntheticOptions = {}): SyntheticDataset {
  const seed = opts.seed ?? 1;
  const rng = new Rng(seed);
  const seen = new Set<string>();
  const budget = 50 * (1 + (opts.train ?? 200) + (opts.val ?? 50) + (opts.test ?? 50) + (opts.winoground ?? 20));
  let tries = 0;
  const fresh = (sceneOpts?: Parameters<typeof randomScene>[1]): Scene => {
    for (;;) {
      if (++tries > budget) throw new SyntheticGenerationError(`could not find enough distinct scenes after ${budget} tries (seed ${seed})`);
      const s = randomScene(rng, sceneOpts);
      if (!seen.has(canonical(s))) {
        seen.add(canonical(s));
        return s;
      }
    }
  };
  const split = (name: string, n: number) => Array.from({ length: n }, (_, i) => describe(`${name}-${String(i).padStart(5, '0')}`, fresh(), rng));
  const train = split('train', opts.train ?? 200);
  const val = split('val', opts.val ?? 50);
  const test = split('test', opts.test ?? 50);
  const winoground: WinogroundPair[] = [];
  while (winoground.length < (opts.winoground ?? 20)) {
    if (++tries > budget) throw new SyntheticGenerationError(`could not build enough Winoground pairs after ${budget} tries (seed ${seed})`);
    const a = randomScene(rng, { minObjects: 2, maxObjects: 2 });
    const kind = winoground.length % 2 === 0 ? 'swap-obj-order' : 'swap-att';
    const pair = winogroundFrom(a, kind, rng);
    if (!pair) continue;
    const [sa, ca, sb, cb] = pair;
    if (seen.has(canonical(sa)) || seen.has(canonical(sb)) || canonical(sa) === canonical(sb)) continue;
    seen.add(canonical(sa));
    seen.add(canonical(sb));
    const id = `wino-${String(winoground.length).padStart(5, '0')}`;
    winoground.push({
      id,
      kind,
      scenes: [describe(`${id}-0`, sa, rng, ca), describe(`${id}-1`, sb, rng, cb)],
      captions: [captionText(ca), captionText(cb)],
    });
  }
  return { seed, train, val, test, winoground };
}
