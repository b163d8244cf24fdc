/**
 * The fine-tuning recipe recommended for a loaded model: the folder's own `discern.json`
 * (beside config.json) when it has one, else defaults scaled to the model's size.
 *
 * Public API:
 *   RECIPE_FILE = 'discern.json'
 *   interface Recipe { config: RecipeConfig; source: 'discern.json' | 'model size'; why: string }
 *   parseRecipe(json, file) → Recipe        — throws RecipeError naming the file and the field
 *   sizeRecipe({ hidden, layers }) → Recipe — no file: scaled from the decoder's width
 *   recipeFor(folder, dims) → Promise<Recipe>
 *
 * discern.json (format 1):
 *   { "format": 1, "why": "…sentence shown to the user…",
 *     "recipe": { "steps": 60, "batchSize": 16, "lr": 0.01, …, "lora": { "rank": 16, "alpha": 16 } } }
 * `recipe` holds any subset of TrainConfig's fields (lora: rank/alpha/modules); it is merged
 * over DEFAULT_TRAIN_CONFIG (shared withRecipe, as the Train form does) and must pass validateTrainConfig, so a recipe that could never
 * start a run is refused at model load, not at Start.
 *
 * Why size scaling: DEFAULT_TRAIN_CONFIG is the paper's recipe for a 7B model (hidden 4096,
 * lr 1e-4, batch 64, 1000 steps). LoRA's useful lr grows as the model narrows (the update
 * B·A/r is a smaller fraction of a narrow layer's weight), so lr = 1e-4 · 4096 / hidden,
 * clamped to [1e-4, 1e-2] and rounded to one significant digit; a browser first run wants
 * minutes, not hours, so batch 16, and steps/validation sized to the model (tiny: 60 steps,
 * the evidence budget; larger: 200 steps in chunks of 4 to bound activation memory).
 */
import type { ModelFolder } from '../../model/io/folder.ts';
import { describeConfigErrors, validateTrainConfig, withRecipe, type TrainConfig } from './config.ts';

export const RECIPE_FILE = 'discern.json';

/** A subset of TrainConfig (lora may be partial). */
export type RecipeConfig = Partial<Omit<TrainConfig, 'lora'>> & { lora?: Partial<TrainConfig['lora']> };

export interface Recipe {
  config: RecipeConfig;
  source: 'discern.json' | 'model size';
  /** One sentence for the user: where the values come from. */
  why: string;
}

export class RecipeError extends Error {
  override readonly name = 'RecipeError';
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
  }
}

export function parseRecipe(json: unknown, file: string): Recipe {
  if (!json || typeof json !== 'object' || Array.isArray(json)) throw new RecipeError(file, 'must be a JSON object { "format": 1, "recipe": {…}, "why": "…" }');
  const o = json as Record<string, unknown>;
  if (o.format !== 1) throw new RecipeError(file, `"format" must be 1, got ${JSON.stringify(o.format)}`);
  const unknownTop = Object.keys(o).filter((k) => !['format', 'recipe', 'why'].includes(k));
  if (unknownTop.length) throw new RecipeError(file, `unknown key(s) ${unknownTop.map((k) => `"${k}"`).join(', ')} (known: format, recipe, why)`);
  if (typeof o.why !== 'string' || !o.why.trim()) throw new RecipeError(file, '"why" must be a sentence saying where the values come from');
  const rec = o.recipe;
  if (!rec || typeof rec !== 'object' || Array.isArray(rec)) throw new RecipeError(file, '"recipe" must be an object of training settings');
  const v = validateTrainConfig(withRecipe(rec as Record<string, unknown>));
  if ('errors' in v) throw new RecipeError(file, `"recipe" is not a valid training configuration: ${describeConfigErrors(v.errors)}`);
  return { config: rec as RecipeConfig, source: 'discern.json', why: o.why.trim() };
}

const oneDigit = (x: number) => Number(x.toPrecision(1));

export function sizeRecipe(dims: { hidden: number; layers: number }): Recipe {
  const lr = oneDigit(Math.min(1e-2, Math.max(1e-4, (1e-4 * 4096) / dims.hidden)));
  const tiny = dims.hidden <= 256;
  const config: RecipeConfig = tiny
    ? { steps: 60, batchSize: 16, chunkSize: 16, lr, warmupSteps: 6, checkpointEvery: 20, validateEvery: 20, maxLongTokens: 48 }
    : { steps: 200, batchSize: 16, chunkSize: 4, lr, warmupSteps: 20, checkpointEvery: 50, validateEvery: 50, maxLongTokens: 128 };
  return {
    config, source: 'model size',
    why: `no ${RECIPE_FILE} in the model folder: scaled to a ${dims.layers}-layer decoder of width ${dims.hidden} ` +
      `(lr = 1e-4 · 4096 / width, clamped to 1e-4…1e-2; batch ${config.batchSize}, ${config.steps} steps)`,
  };
}

export async function recipeFor(folder: ModelFolder, dims: { hidden: number; layers: number }): Promise<Recipe> {
  if (!(await folder.exists(RECIPE_FILE))) return sizeRecipe(dims);
  let json: unknown;
  try {
    json = JSON.parse(await folder.readText(RECIPE_FILE));
  } catch (e) {
    throw new RecipeError(`${folder.name}/${RECIPE_FILE}`, `is not valid JSON (${(e as Error).message})`);
  }
  return parseRecipe(json, `${folder.name}/${RECIPE_FILE}`);
}
