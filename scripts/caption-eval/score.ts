/**
 * Slot-by-slot score of a generated caption against the scene it describes (the ground
 * truth, not the reference text: the short caption's object order and relation are drawn at
 * random, and any true relation is as good as the reference's).
 *
 * Public API:
 *   type Slot = 'count' | 'colour' | 'shape' | 'size' | 'relation'
 *   interface CaptionScore { kind: 'short' | 'long'; parsed: boolean; slots: { slot, ok, what }[] }
 *   parseGenerated(text) → Described | null   the caption grammar of the benchmark (captions.ts):
 *     short  "a red cube left of a blue ball and a green triangle"  (language.ts parseCaption)
 *     long   "This synthetic picture shows two objects … There is a small red cube in the top
 *             left of the image. … The red cube is to the left of and above the blue ball, and
 *             it is smaller than the blue ball." (every sentence form longCaption writes)
 *   scoreCaption(text, scene) → CaptionScore
 * Slots (n true objects): count (1); per object colour, shape and — long captions only, the
 * short form names no size — size; relations: short 1 when n ≥ 2 (the one relation the short
 * form states must hold between the objects it names), long one per object pair (the stated
 * relation set, spatial and size, "same size" included, must equal the true one).
 * Objects are aligned to the true ones by the injective matching with most equal attributes.
 * Unparsable text (short), or a long sentence that is not one of the forms, contributes
 * nothing: the slots it should have filled count wrong.
 */
import { cellPhrase } from '../../src/engine/data/synthetic/captions.ts';
import { parseCaption } from '../../src/engine/data/synthetic/language.ts';
import { COLOURS, holds, RELATIONS, SHAPES, SIZES, type Relation, type Scene, type SceneObject } from '../../src/engine/data/synthetic/scene.ts';

export type Slot = 'count' | 'colour' | 'shape' | 'size' | 'relation';
export const SLOTS: readonly Slot[] = ['count', 'colour', 'shape', 'size', 'relation'];

interface Obj { colour?: string; shape?: string; size?: string; /** long form: the place phrase ('top left') */ where?: string }
/** A stated relation set between generated objects a and b (indices into objects). */
interface Stated { a: number; b: number; rels: Relation[] }
export interface Described { kind: 'short' | 'long'; count: number | null; objects: Obj[]; relations: Stated[] }

export interface CaptionScore {
  kind: 'short' | 'long';
  parsed: boolean;
  slots: { slot: Slot; ok: boolean; what: string }[];
  /** Long form only, not a slot (the relations already depend on it): true objects whose matched
   * generated object names their cell ('in the top left of the image'). Short form: 0 / 0. */
  placed: { ok: number; total: number };
}

/** Correct / total over many captions; accuracy null when there was nothing to score. */
export interface Tally { ok: number; total: number; accuracy: number | null }
export interface Summary { perSlot: Record<Slot, Tally>; overall: number; parsed: number; placed: Tally }

const COUNT_WORDS: Record<string, number> = { 'one object': 1, 'two objects': 2, 'three objects': 3 };
const WORD = (xs: readonly string[]) => `(${xs.join('|')})`;
const NP = `${WORD(COLOURS)} ${WORD(SHAPES)}`;
const LONG_INTRO = /^This synthetic picture shows (one object|two objects|three objects) on a plain dark gray background\.$/;
const LONG_OBJECT = new RegExp(`^There is an? ${WORD(SIZES)} ${NP} in the ([a-z ]+) of the image\\.$`);
const LONG_PAIR = new RegExp(`^The ${NP} is (.+?) the ${NP}(?:, and it is (bigger|smaller) than the ${NP}\\.|, and the two have the same size\\.)$`);
const LONG_ALONE = 'It is the only object in the picture, and the rest of the image is completely empty.';

function parseShort(text: string): Described | null {
  try {
    const c = parseCaption(text.replace(/\.$/, ''));
    const objects: Obj[] = [];
    const relations: Stated[] = [];
    for (const cl of c) {
      objects.push({ ...cl.subject });
      if (cl.relation && cl.object) {
        objects.push({ ...cl.object });
        relations.push({ a: objects.length - 2, b: objects.length - 1, rels: [cl.relation] });
      }
    }
    return { kind: 'short', count: objects.length, objects, relations };
  } catch {
    return null;
  }
}

/** Spatial phrase list of a long pair sentence ("to the left of and above") → relations. */
function spatial(s: string): Relation[] | null {
  const out: Relation[] = [];
  for (const p of s.split(' and ')) {
    const r = p === 'to the left of' ? 'left of' : p === 'to the right of' ? 'right of' : p === 'above' || p === 'below' ? p : null;
    if (!r) return null;
    out.push(r);
  }
  return out;
}

function parseLong(text: string): Described {
  const d: Described = { kind: 'long', count: null, objects: [], relations: [] };
  const sentences = text.trim().match(/[^.]+\.?/g) ?? [];
  const find = (colour: string, shape: string, not = -1) => d.objects.findIndex((o, i) => i !== not && o.colour === colour && o.shape === shape);
  for (const raw of sentences) {
    const s = raw.trim();
    let m: RegExpMatchArray | null;
    if ((m = s.match(LONG_INTRO))) d.count = COUNT_WORDS[m[1]];
    else if ((m = s.match(LONG_OBJECT))) d.objects.push({ size: m[1], colour: m[2], shape: m[3], where: m[4] });
    else if ((m = s.match(LONG_PAIR))) {
      const a = find(m[1], m[2]);
      const b = find(m[4], m[5], a);
      const rels = spatial(m[3]);
      if (a < 0 || b < 0 || !rels) continue; // names an object it never introduced: fills nothing
      if (m[6]) {
        if (m[7] !== m[4] || m[8] !== m[5]) continue;
        rels.push(m[6] === 'bigger' ? 'bigger than' : 'smaller than');
      }
      d.relations.push({ a, b, rels });
    } // LONG_ALONE and anything else: no slot
  }
  return d;
}

export function parseGenerated(text: string): Described | null {
  const t = text.trim();
  return t.startsWith('This ') ? parseLong(t) : parseShort(t);
}

function permutations(n: number, k: number): number[][] {
  // injective maps of n true objects into k generated ones, −1 = unmatched
  const out: number[][] = [];
  const rec = (cur: number[], used: Set<number>) => {
    if (cur.length === n) return void out.push([...cur]);
    for (let j = -1; j < k; j++) {
      if (j >= 0 && used.has(j)) continue;
      cur.push(j);
      if (j >= 0) used.add(j);
      rec(cur, used);
      cur.pop();
      used.delete(j);
    }
  };
  rec([], new Set());
  return out;
}

const agree = (o: Obj | undefined, t: SceneObject, long: boolean) =>
  o ? Number(o.colour === t.colour) + Number(o.shape === t.shape) + (long ? Number(o.size === t.size) : 0) : 0;

const trueRels = (a: SceneObject, b: SceneObject) => RELATIONS.filter((r) => holds(r, a, b));

export function scoreCaption(text: string, scene: Scene): CaptionScore {
  const truth = scene.objects, n = truth.length;
  const kind = text.trim().startsWith('This ') ? 'long' : 'short';
  const d = parseGenerated(text);
  const objs = (d?.objects ?? []).slice(0, 6);
  const long = kind === 'long';
  let best: number[] = truth.map(() => -1), bestScore = -1;
  for (const p of permutations(n, objs.length)) {
    const s = p.reduce((acc, j, i) => acc + agree(objs[j], truth[i], long), 0);
    if (s > bestScore) [best, bestScore] = [p, s];
  }
  const slots: CaptionScore['slots'] = [];
  slots.push({ slot: 'count', ok: d?.count === n, what: `count ${d?.count ?? '?'} (true ${n})` });
  truth.forEach((t, i) => {
    const o = objs[best[i]];
    slots.push({ slot: 'colour', ok: o?.colour === t.colour, what: `object ${i} colour ${o?.colour ?? '-'} (true ${t.colour})` });
    slots.push({ slot: 'shape', ok: o?.shape === t.shape, what: `object ${i} shape ${o?.shape ?? '-'} (true ${t.shape})` });
    if (long) slots.push({ slot: 'size', ok: o?.size === t.size, what: `object ${i} size ${o?.size ?? '-'} (true ${t.size})` });
  });
  const trueOf = (j: number) => best.indexOf(j); // generated object j → true object index or −1
  if (!long && n >= 2) {
    const r = d?.relations[0];
    const [a, b] = r ? [trueOf(r.a), trueOf(r.b)] : [-1, -1];
    const ok = !!r && a >= 0 && b >= 0 && holds(r.rels[0], truth[a], truth[b]);
    slots.push({ slot: 'relation', ok, what: `relation ${r ? r.rels[0] : '-'}` });
  }
  if (long) {
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const st = d?.relations.find((r) => {
          const [a, b] = [trueOf(r.a), trueOf(r.b)];
          return (a === i && b === j) || (a === j && b === i);
        });
        const [a, b] = st ? [trueOf(st.a), trueOf(st.b)] : [i, j];
        const want = trueRels(truth[a], truth[b]);
        const ok = !!st && st.rels.length === want.length && want.every((r) => st.rels.includes(r));
        slots.push({ slot: 'relation', ok, what: `objects ${i}–${j}: ${st ? st.rels.join(', ') || 'none' : '-'} (true ${want.join(', ')})` });
      }
    }
  }
  const placed = { ok: long ? truth.filter((t, i) => objs[best[i]]?.where === cellPhrase(t)).length : 0, total: long ? n : 0 };
  return { kind, parsed: d !== null && (kind === 'short' || d.objects.length > 0 || d.count !== null), slots, placed };
}

/** Per-slot and overall accuracy over many scores. */
export function summarize(scores: CaptionScore[]): Summary {
  const perSlot = Object.fromEntries(SLOTS.map((s) => [s, { ok: 0, total: 0, accuracy: null }])) as Record<Slot, Tally>;
  let ok = 0, total = 0;
  for (const sc of scores) {
    for (const s of sc.slots) {
      perSlot[s.slot].total++;
      total++;
      if (s.ok) (perSlot[s.slot].ok++, ok++);
    }
  }
  for (const s of SLOTS) perSlot[s].accuracy = perSlot[s].total ? perSlot[s].ok / perSlot[s].total : null;
  const pOk = scores.reduce((a, s) => a + s.placed.ok, 0), pTotal = scores.reduce((a, s) => a + s.placed.total, 0);
  return { perSlot, overall: total ? ok / total : 0, parsed: scores.filter((s) => s.parsed).length,
    placed: { ok: pOk, total: pTotal, accuracy: pTotal ? pOk / pTotal : null } };
}
