/**
 * Test helpers for the trainer's browser tests (not used by production code): the tiny model,
 * a small config, and TrainData from synthetic-scene captions with random-but-fixed features
 * (one distinct random feature block per image: the vision encoder is not under test).
 */
import type { GpuContext } from '../../gpu/context.ts';
import { generateSynthetic } from '../../data/synthetic/generate.ts';
import { folderFromUrl } from '../../model/io/folder.ts';
import { Vlm } from '../../model/vlm/vlm.ts';
import { randn } from '../../util/random.ts';
import { DEFAULT_TRAIN_CONFIG, type TrainConfig } from './config.ts';
import type { TrainData, TrainExample } from './data.ts';

export const MODEL_URL = (): string => new URL('/models/tiny-random/', location.origin).href;

/** The Vlm loader's own LoRA init is overwritten by the trainer; rank here is irrelevant. */
export const loadTinyVlm = (ctx: GpuContext): Promise<Vlm> =>
  Vlm.load(ctx, folderFromUrl(MODEL_URL()), { seed: 123, lora: { rank: 2, alpha: 2, modules: ['q'] } });

export function smallConfig(patch: Partial<TrainConfig> = {}): TrainConfig {
  return {
    ...DEFAULT_TRAIN_CONFIG,
    steps: 4, batchSize: 4, chunkSize: 2, lr: 1e-2, warmupSteps: 1, minLrRatio: 0.1, weightDecay: 0.01,
    maxGradNorm: 1, temperature: 0.1, learnTemperature: true, lora: { rank: 4, alpha: 8, modules: ['q', 'k', 'v', 'o', 'gate', 'up', 'down'] },
    seed: 11, checkpointEvery: 0, keepCheckpoints: 2, validateEvery: 0, maxLongTokens: 24,
    ...patch,
  };
}

/** `train` + `validation` examples, each with its own image row (train first). */
export function syntheticTrainData(ctx: GpuContext, vlm: Vlm, train: number, validation: number, seed = 5): TrainData {
  const ds = generateSynthetic({ seed, train, val: validation, test: 0, winoground: 0 });
  const T = vlm.tokensPerImage, H = vlm.dims.hidden;
  const n = train + validation;
  const features = ctx.upload(randn(n * T * H, 1000 + seed), [n, T, H], 'features.table');
  const ex = (s: { caption: string; longCaption: string }, image: number, k: number): TrainExample =>
    ({ image, short: s.caption, long: k % 3 === 2 ? null : s.longCaption });
  return {
    features,
    train: ds.train.map((s, i) => ex(s, i, i)),
    validation: ds.val.map((s, i) => ex(s, train + i, i)),
  };
}
