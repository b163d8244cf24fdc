// Captions for a scene: a short one in the checked caption language (< 30 tokens), a long
// descriptive one (30+ words: every object with size, colour, position, and every pairwise
// relation), and SugarCrepe hard negatives for all seven categories, each verified FALSE.
import type { SugarCrepeCategory } from '../dataset.ts';
import { captionText, checkCaption, type Caption, type Clause, type NounPhrase } from './language.ts';
import type { Rng } from './prng.ts';
import { COLOURS, holds, RELATIONS, SHAPES, type Relation, type Scene, type SceneObject } from './scene.ts';

const np = (o: SceneObject): NounPhrase => ({ colour: o.colour, shape: o.shape });

/** Relations that hold from a to b. */
export function relationsBetween(a: SceneObject, b: SceneObject): Relation[] {
  return RELATIONS.filter((r) => holds(r, a, b));
}

/**
 * Short caption: 1 object → "a red cube"; 2 → "a red cube left of a blue ball";
 * 3 → the 2-object clause plus "and a green triangle". Colour + shape only, so that
 * add-att (adding a size) is always available.
 */
export function shortCaption(scene: Scene, rng: Rng): Caption {
  const objs = rng.shuffle(scene.objects);
  if (objs.length === 1) return [{ subject: np(objs[0]) }];
  const [a, b] = objs;
  const rel = rng.pick(relationsBetween(a, b)); // distinct cells ⇒ at least one spatial relation
  const out: Caption = [{ subject: np(a), relation: rel, object: np(b) }];
  for (const o of objs.slice(2)) out.push({ subject: np(o) });
  return out;
}

const ROWS = ['top', 'middle', 'bottom'];
const COLS = ['left', 'center', 'right'];
/** The long caption's place phrase of an object's cell: 'top left', 'middle center' is 'center', … */
export const cellPhrase = (o: Pick<SceneObject, 'col' | 'row'>) => (o.col === 1 && o.row === 1 ? 'center' : o.col === 1 ? `${ROWS[o.row]} center` : `${ROWS[o.row]} ${COLS[o.col]}`);
const the = (o: SceneObject) => `the ${o.colour} ${o.shape}`;

/** Long caption: ≥ 30 words for every scene (1-object scenes get an extra framing sentence). */
export function longCaption(scene: Scene): string {
  const n = scene.objects.length;
  const s: string[] = [`This synthetic picture shows ${['', 'one object', 'two objects', 'three objects'][n]} on a plain dark gray background.`];
  for (const o of scene.objects) s.push(`There is a ${o.size} ${o.colour} ${o.shape} in the ${cellPhrase(o)} of the image.`);
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const [a, b] = [scene.objects[i], scene.objects[j]];
      const rels = relationsBetween(a, b);
      const parts = rels.map((r) => (r === 'left of' || r === 'right of' ? `to the ${r.replace(' of', '')} of` : r));
      const spatial = parts.filter((p) => !p.endsWith('than'));
      const sizeRel = parts.find((p) => p.endsWith('than'));
      s.push(
        `${the(a)[0].toUpperCase()}${the(a).slice(1)} is ${spatial.join(' and ')} ${the(b)}` +
          (sizeRel ? `, and it is ${sizeRel} ${the(b)}.` : `, and the two have the same size.`),
      );
    }
  if (n === 1) s.push('It is the only object in the picture, and the rest of the image is completely empty.');
  return s.join(' ');
}

type Candidate = () => Caption[];
const clone = (c: Caption): Caption => c.map((cl) => ({ ...cl, subject: { ...cl.subject }, object: cl.object && { ...cl.object } }));

/** Noun phrases of a caption as [clause index, 'subject'|'object'] handles. */
function nps(c: Caption): Array<[number, 'subject' | 'object']> {
  return c.flatMap((cl, i) => (cl.object ? [[i, 'subject'], [i, 'object']] : [[i, 'subject']]) as Array<[number, 'subject' | 'object']>);
}

/** Candidate negatives per category, before checking; the first FALSE one is kept. */
function candidates(pos: Caption, scene: Scene): Record<SugarCrepeCategory, Candidate> {
  const edit = (f: (c: Caption) => void) => {
    const c = clone(pos);
    f(c);
    return c;
  };
  const pairs = nps(pos).flatMap((h1, i, all) => all.slice(i + 1).map((h2) => [h1, h2] as const));
  const present = new Set(scene.objects.map((o) => `${o.colour} ${o.shape}`));
  return {
    'replace-obj': () => nps(pos).flatMap(([i, k]) => SHAPES.map((s) => edit((c) => void (c[i][k]!.shape = s)))),
    'replace-att': () => nps(pos).flatMap(([i, k]) => COLOURS.map((col) => edit((c) => void (c[i][k]!.colour = col)))),
    'replace-rel': () =>
      pos.flatMap((cl, i) => (cl.relation ? RELATIONS.filter((r) => r !== cl.relation).map((r) => edit((c) => void (c[i].relation = r))) : [])),
    'swap-obj': () =>
      pairs.map(([[i, k], [j, l]]) => edit((c) => void ([c[i][k]!.shape, c[j][l]!.shape] = [c[j][l]!.shape, c[i][k]!.shape]))),
    'swap-att': () =>
      pairs.map(([[i, k], [j, l]]) => edit((c) => void ([c[i][k]!.colour, c[j][l]!.colour] = [c[j][l]!.colour, c[i][k]!.colour]))),
    'add-obj': () =>
      COLOURS.flatMap((colour) => SHAPES.filter((shape) => !present.has(`${colour} ${shape}`)).map((shape) => [...clone(pos), { subject: { colour, shape } } as Clause])),
    'add-att': () => nps(pos).flatMap(([i, k]) => (['small', 'large'] as const).map((size) => edit((c) => void (c[i][k]!.size = size)))),
  };
}

/**
 * One hard negative per category that applies (1-object scenes have no relation, so no
 * replace-rel / swap-*). Candidates are shuffled with `rng`; each kept negative differs
 * from the positive text and is FALSE for the scene by `checkCaption`.
 */
export function hardNegatives(pos: Caption, scene: Scene, rng: Rng): Partial<Record<SugarCrepeCategory, string>> {
  const posText = captionText(pos);
  const out: Partial<Record<SugarCrepeCategory, string>> = {};
  for (const [cat, gen] of Object.entries(candidates(pos, scene)) as Array<[SugarCrepeCategory, Candidate]>) {
    const found = rng.shuffle(gen()).find((c) => captionText(c) !== posText && !checkCaption(c, scene));
    if (found) out[cat] = captionText(found);
  }
  return out;
}
