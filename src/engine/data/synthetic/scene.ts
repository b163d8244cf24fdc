// Compositional scenes: 1–3 objects on a 3×3 grid of cells, each with a shape, a colour and
// a size. Relations are read off the cells (left of = smaller column, above = smaller row)
// and sizes (bigger than = large vs small), so every stated relation is unambiguous.
// Within one scene shapes are distinct and colours are distinct: "the red cube" names
// exactly one object and swapping words always changes the meaning.
import type { Rng } from './prng.ts';

export const SHAPES = ['cube', 'ball', 'triangle', 'diamond'] as const;
export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'white'] as const;
export const SIZES = ['small', 'large'] as const;
export type Shape = (typeof SHAPES)[number];
export type Colour = (typeof COLOURS)[number];
export type Size = (typeof SIZES)[number];

export interface SceneObject {
  shape: Shape;
  colour: Colour;
  size: Size;
  /** Grid cell, 0..2 each; distinct per scene. */
  col: number;
  row: number;
  /** Sub-cell jitter in -2..2 units of (image side / 96); rendering only, not semantics. */
  jx: number;
  jy: number;
}

export interface Scene {
  objects: SceneObject[];
}

export type Relation = 'left of' | 'right of' | 'above' | 'below' | 'bigger than' | 'smaller than';
export const RELATIONS: readonly Relation[] = ['left of', 'right of', 'above', 'below', 'bigger than', 'smaller than'];

/** Does `rel(a, b)` hold? */
export function holds(rel: Relation, a: SceneObject, b: SceneObject): boolean {
  switch (rel) {
    case 'left of':
      return a.col < b.col;
    case 'right of':
      return a.col > b.col;
    case 'above':
      return a.row < b.row;
    case 'below':
      return a.row > b.row;
    case 'bigger than':
      return a.size === 'large' && b.size === 'small';
    case 'smaller than':
      return a.size === 'small' && b.size === 'large';
  }
}

export interface SceneOptions {
  minObjects?: number;
  maxObjects?: number;
}

export function randomScene(rng: Rng, opts: SceneOptions = {}): Scene {
  const lo = opts.minObjects ?? 1;
  const hi = opts.maxObjects ?? 3;
  const n = lo + rng.int(hi - lo + 1);
  const shapes = rng.shuffle(SHAPES);
  const colours = rng.shuffle(COLOURS);
  const cells = rng.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 8]);
  const objects: SceneObject[] = [];
  for (let i = 0; i < n; i++) {
    objects.push({
      shape: shapes[i],
      colour: colours[i],
      size: rng.pick(SIZES),
      col: cells[i] % 3,
      row: Math.floor(cells[i] / 3),
      jx: rng.int(5) - 2,
      jy: rng.int(5) - 2,
    });
  }
  return { objects };
}

/** Canonical description used for de-duplication: objects sorted, jitter ignored. */
export function canonical(scene: Scene): string {
  return scene.objects
    .map((o) => `${o.size} ${o.colour} ${o.shape}@${o.col},${o.row}`)
    .sort()
    .join('; ');
}
