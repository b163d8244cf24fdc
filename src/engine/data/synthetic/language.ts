// A tiny caption language over scenes, with a renderer, a parser and a checker, so every
// caption (positive or hard negative) is verified against the scene it is paired with.
//
//   caption := clause (" and " clause)*
//   clause  := np [" " relation " " np]
//   np      := "a" [size] [colour] shape
// Semantics are existential: a clause is true when some object matches the first np (and,
// for a relation, some OTHER object matches the second np with the relation holding); a
// caption is true when all clauses are. An np matches an object when every attribute it
// names equals the object's.
import { COLOURS, holds, RELATIONS, SHAPES, SIZES, type Colour, type Relation, type Scene, type SceneObject, type Shape, type Size } from './scene.ts';

export interface NounPhrase {
  size?: Size;
  colour?: Colour;
  shape: Shape;
}
export interface Clause {
  subject: NounPhrase;
  relation?: Relation;
  object?: NounPhrase;
}
export type Caption = Clause[];

export class CaptionParseError extends Error {
  override readonly name = 'CaptionParseError';
  constructor(
    readonly caption: string,
    readonly reason: string,
  ) {
    super(`cannot parse synthetic caption "${caption}": ${reason}`);
  }
}

export function npText(np: NounPhrase): string {
  return ['a', np.size, np.colour, np.shape].filter(Boolean).join(' ');
}

export function captionText(c: Caption): string {
  return c
    .map((cl) => (cl.relation && cl.object ? `${npText(cl.subject)} ${cl.relation} ${npText(cl.object)}` : npText(cl.subject)))
    .join(' and ');
}

export function parseCaption(text: string): Caption {
  const words = text.trim().split(/\s+/);
  let i = 0;
  const fail = (reason: string): never => {
    throw new CaptionParseError(text, `${reason} at word ${i + 1}`);
  };
  const np = (): NounPhrase => {
    if (words[i] !== 'a') fail(`expected "a", got "${words[i] ?? 'end'}"`);
    i++;
    const out: Partial<NounPhrase> = {};
    if ((SIZES as readonly string[]).includes(words[i])) out.size = words[i++] as Size;
    if ((COLOURS as readonly string[]).includes(words[i])) out.colour = words[i++] as Colour;
    if (!(SHAPES as readonly string[]).includes(words[i])) fail(`expected a shape, got "${words[i] ?? 'end'}"`);
    out.shape = words[i++] as Shape;
    return out as NounPhrase;
  };
  const relation = (): Relation | undefined => {
    for (const r of RELATIONS) {
      const rw = r.split(' ');
      if (rw.every((w, k) => words[i + k] === w)) {
        i += rw.length;
        return r;
      }
    }
    return undefined;
  };
  const clauses: Caption = [];
  for (;;) {
    const subject = np();
    const rel = relation();
    clauses.push(rel ? { subject, relation: rel, object: np() } : { subject });
    if (i === words.length) return clauses;
    if (words[i] !== 'and') fail(`expected "and" or end, got "${words[i]}"`);
    i++;
  }
}

export function matches(np: NounPhrase, o: SceneObject): boolean {
  return o.shape === np.shape && (np.colour === undefined || np.colour === o.colour) && (np.size === undefined || np.size === o.size);
}

export function clauseHolds(cl: Clause, scene: Scene): boolean {
  return scene.objects.some(
    (a) =>
      matches(cl.subject, a) &&
      (!cl.relation || scene.objects.some((b) => b !== a && matches(cl.object!, b) && holds(cl.relation!, a, b))),
  );
}

/** Evaluate a caption (structured or text) against a scene. Text is parsed first. */
export function checkCaption(caption: Caption | string, scene: Scene): boolean {
  const c = typeof caption === 'string' ? parseCaption(caption) : caption;
  return c.every((cl) => clauseHolds(cl, scene));
}
