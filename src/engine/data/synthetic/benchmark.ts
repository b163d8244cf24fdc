// The fixed synthetic benchmark shared by the bundled model's pretraining (scripts/pretrain),
// the evidence runs (scripts/evidence) and their tests. One generation, so the splits are
// disjoint by construction (generateSynthetic de-duplicates scenes across all of them):
//   train      — pretraining (generative captioning) and VladVA / CLIP fine-tuning
//   val        — validation during fine-tuning
//   test       — held-out retrieval R@K and the seven SugarCrepe-style probe categories
//   winoground — held-out Winoground-style pairs
// Trap: changing any count changes every later split (the generator draws them in order), so
// the numbers are frozen; take prefixes (`train.slice(0, n)`) for smaller runs.
import { generateSynthetic, type SyntheticDataset } from './generate.ts';

export const SYNTHETIC_BENCHMARK = Object.freeze({ seed: 2026, train: 8000, val: 200, test: 500, winoground: 100 });

let cached: SyntheticDataset | null = null;

/** The benchmark dataset (≈2 s to generate the first time; memoised). */
export function syntheticBenchmark(): SyntheticDataset {
  cached ??= generateSynthetic({ ...SYNTHETIC_BENCHMARK });
  return cached;
}
