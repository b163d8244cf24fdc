/**
 * Command line of `npm run real-size -- [options]` (real-size.ts): a full-size SmolVLM-shaped
 * model (random weights, the exact architecture and vocabulary) through every phase a user
 * runs in a tab.
 *
 * Public API: interface RealSizeArgs; parseRealSizeArgs(argv); USAGE; RealSizeArgsError.
 * --quick: the CI smoke run — a 2-layer cut of smolvlm-256m (every width, the 49280-id
 * vocabulary), 2 images + 2 texts, no separate short run (--train-steps 0), one VladVA update
 * over a gradient-cached contrastive batch of 2 (chunks of 1), 4 evaluation scenes.
 */
import { isPresetName, PRESET_NAMES, type PresetName } from '../tiny-model/presets.ts';

export interface RealSizeArgs {
  preset: PresetName;
  /** Cut both towers to this many layers (null = the full depth). */
  layers: number | null;
  /** Images and texts embedded in the embed phase. */
  embedCount: number;
  /** The short VladVA run: steps at this batch (chunk = batch); 0 skips the phase. */
  trainSteps: number;
  trainBatch: number;
  /** One update over a contrastive batch this large, gradient-cached in chunks of `chunk`. */
  contrastBatch: number;
  chunk: number;
  /** Test scenes of the synthetic evaluation. */
  evalScenes: number;
  seed: number;
  /** Where the model folder and the results go (default .cache/real-size/<preset>[-Nl]). */
  out: string | null;
  quick: boolean;
}

export const FULL: Omit<RealSizeArgs, 'preset'> = {
  layers: null, embedCount: 4, trainSteps: 2, trainBatch: 4, contrastBatch: 64, chunk: 8, evalScenes: 8, seed: 7, out: null, quick: false,
};
// CI time: the one training run is the contrast phase's VladVA update over a batch of 2 in chunks
// of 1 — contrastive + next-token over the full 49280-row head, with the gradient cache's
// two-chunk replay. A separate short run (chunk = batch) would run the same kernels minus the
// replay, at ≈ 1 min of CI on 2 cores; the full run keeps it (trainSteps 2).
export const QUICK: Omit<RealSizeArgs, 'preset'> = { ...FULL, layers: 2, embedCount: 2, trainSteps: 0, trainBatch: 2, contrastBatch: 2, chunk: 1, evalScenes: 4, quick: true };

export const USAGE = `usage: npm run real-size -- --preset ${PRESET_NAMES.join('|')} [--layers N] [--embed N] [--train-steps N]
  [--train-batch N] [--contrast-batch N] [--chunk N] [--eval-scenes N] [--seed N] [--out DIR]
  npm run real-size -- --quick     (CI smoke: 2-layer cut of smolvlm-256m, full vocabulary, small batches)
full run defaults: ${JSON.stringify(FULL)}`;

export class RealSizeArgsError extends Error {
  override readonly name = 'RealSizeArgsError';
}

const INT_FLAGS: Record<string, keyof RealSizeArgs> = {
  '--layers': 'layers', '--embed': 'embedCount', '--train-steps': 'trainSteps', '--train-batch': 'trainBatch',
  '--contrast-batch': 'contrastBatch', '--chunk': 'chunk', '--eval-scenes': 'evalScenes', '--seed': 'seed',
};

export function parseRealSizeArgs(argv: string[]): RealSizeArgs {
  const quick = argv.includes('--quick');
  const a: RealSizeArgs = { preset: 'smolvlm-256m', ...(quick ? QUICK : FULL) };
  let preset: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i], v = argv[i + 1];
    if (flag === '--quick') continue;
    if (flag === '--preset') {
      preset = v ?? '';
      i++;
    } else if (flag === '--out') {
      if (!v) throw new RealSizeArgsError('--out needs a folder');
      a.out = v;
      i++;
    } else if (flag in INT_FLAGS) {
      const n = Number(v);
      const min = flag === '--seed' || flag === '--train-steps' ? 0 : 1;
      if (!Number.isInteger(n) || n < min) throw new RealSizeArgsError(`${flag} needs an integer ≥ ${min}, got ${v}`);
      (a as unknown as Record<string, number>)[INT_FLAGS[flag]] = n;
      i++;
    } else throw new RealSizeArgsError(`unknown argument ${flag}\n${USAGE}`);
  }
  if (preset === null && !quick) throw new RealSizeArgsError(`--preset is required (or --quick)\n${USAGE}`);
  if (preset !== null) {
    if (!isPresetName(preset)) throw new RealSizeArgsError(`--preset must be one of ${PRESET_NAMES.join(', ')}, got ${preset}`);
    a.preset = preset;
  }
  if (a.chunk > a.contrastBatch) throw new RealSizeArgsError(`--chunk (${a.chunk}) must not exceed --contrast-batch (${a.contrastBatch})`);
  if (a.contrastBatch % a.chunk !== 0) throw new RealSizeArgsError(`--contrast-batch (${a.contrastBatch}) must be a multiple of --chunk (${a.chunk})`);
  return a;
}

/** The default output folder: one per architecture, so the written model is reused. */
export function defaultOut(a: RealSizeArgs): string {
  return `.cache/real-size/${a.preset}${a.layers !== null ? `-${a.layers}l` : ''}`;
}
