// How the evaluated model's own recipe chose the LVLM learning rate, for EVIDENCE.md (evidence.ts, render.ts).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseRecipe, RECIPE_FILE } from '../../src/engine/train/trainer/recipe.ts';

/** The model folder's discern.json `why` when its recipe's lr is the run's lr, else undefined. */
export function recipeLrWhy(modelDir: string, lr: number): string | undefined {
  const p = join(modelDir, RECIPE_FILE);
  if (!existsSync(p)) return undefined;
  const r = parseRecipe(JSON.parse(readFileSync(p, 'utf8')), p);
  return r.config.lr === lr ? r.why : undefined;
}
