/**
 * What the evidence run trains and evaluates on, from the frozen synthetic benchmark
 * (src/engine/data/synthetic/benchmark.ts). Pure TS: runs in Node (tests) and in the page.
 *
 * Public API:
 *   interface EvidenceSizes { train, val, test, wino }   prefixes of the benchmark's splits
 *   planEvidence(ds, sizes) → EvidencePlan
 *     scenes   every image of the run, in rows: [train | val | test | winoground (2 per pair)]
 *     train / val   { image (row), short, long } examples (TrainExample-shaped)
 *     eval     texts, imageRows (rows into `scenes`), n test pairs, probes, wino items
 *     score(textEmb [texts, d], imageEmb [imageRows, d], d) → EvalReport (synthetic_eval.ts)
 *   clipBatches(captions, nScenes, batch, steps, seed) → { scene, long }[][]   the CLIP's data order
 *
 * Evaluation uses ONLY `test` (retrieval over its n images × n short captions, and the
 * SugarCrepe-style hard negatives of those scenes) and `winoground`; train and val are
 * never scored here. Text rows: [test captions (n) | hard negatives | winoground captions];
 * image rows of the eval: [test images (n) | winoground images].
 * Trap: a hard negative's positive is the scene's own caption (text row = test index).
 */
import type { SyntheticDataset, SyntheticScene } from '../../src/engine/data/synthetic/generate.ts';
import type { Scene } from '../../src/engine/data/synthetic/scene.ts';
import type { SugarCrepeCategory } from '../../src/engine/data/dataset.ts';
import { pretrainSchedule, type PretrainItem } from '../../src/engine/train/pretrain/data.ts';
import { DataOrder } from '../../src/engine/train/trainer/order.ts';
import { scoreSyntheticEval, type EvalReport, type ProbeItem, type WinoItem } from '../../src/engine/eval/synthetic_eval.ts';

export interface EvidenceSizes {
  train: number;
  val: number;
  test: number;
  wino: number;
}

export interface PlanExample {
  image: number;
  short: string;
  long: string;
}

export interface EvidencePlan {
  sizes: EvidenceSizes;
  scenes: Scene[];
  train: PlanExample[];
  val: PlanExample[];
  eval: { texts: string[]; imageRows: number[]; n: number; probes: ProbeItem[]; wino: WinoItem[] };
  score(textEmb: Float32Array, imageEmb: Float32Array, d: number): EvalReport;
}

export function planEvidence(ds: SyntheticDataset, sizes: EvidenceSizes): EvidencePlan {
  const avail = { train: ds.train.length, val: ds.val.length, test: ds.test.length, wino: ds.winoground.length };
  for (const k of ['train', 'val', 'test', 'wino'] as const) {
    const v = sizes[k];
    if (!Number.isInteger(v) || v < (k === 'val' ? 0 : 1) || v > avail[k]) {
      throw new RangeError(`planEvidence: ${k} = ${v} must be an integer in ${k === 'val' ? 0 : 1}…${avail[k]} (the benchmark's ${k} split)`);
    }
  }
  const scenes: Scene[] = [];
  const add = (list: SyntheticScene[]) => list.map((s) => {
    scenes.push(s.scene);
    return { image: scenes.length - 1, short: s.caption, long: s.longCaption };
  });
  const train = add(ds.train.slice(0, sizes.train));
  const val = add(ds.val.slice(0, sizes.val));
  const test = ds.test.slice(0, sizes.test);
  const testRows = add(test).map((e) => e.image);
  const pairs = ds.winoground.slice(0, sizes.wino);

  const n = test.length;
  const texts = test.map((s) => s.caption);
  const imageRows = [...testRows];
  const probes: ProbeItem[] = [];
  test.forEach((s, i) => {
    for (const [cat, neg] of Object.entries(s.negatives) as [SugarCrepeCategory, string][]) {
      probes.push({ category: cat, image: i, pos: i, neg: texts.push(neg) - 1 });
    }
  });
  const wino = pairs.map((p): WinoItem => {
    const rows = add([p.scenes[0], p.scenes[1]]).map((e) => e.image);
    const imgs: [number, number] = [imageRows.push(rows[0]) - 1, imageRows.push(rows[1]) - 1];
    const caps: [number, number] = [texts.push(p.captions[0]) - 1, texts.push(p.captions[1]) - 1];
    return { id: p.id, kind: p.kind, imgs, caps };
  });

  return {
    sizes: { ...sizes }, scenes, train, val,
    eval: { texts, imageRows, n, probes, wino },
    score(T, I, d) {
      if (T.length !== texts.length * d || I.length !== imageRows.length * d) {
        throw new RangeError(`score: want text [${texts.length}, ${d}] and image [${imageRows.length}, ${d}] embeddings, got ${T.length} and ${I.length} values`);
      }
      return scoreSyntheticEval({ n, probes, wino }, T, I, d);
    },
  };
}

/**
 * The fair CLIP's batches over the first nScenes benchmark train scenes (indices into
 * syntheticBenchmark().train). 'short': seeded epochs of every scene with its short caption
 * (DataOrder, as the VLM rows draw theirs); 'both': exactly pretraining's schedule, every
 * scene once with its short and once with its long caption per epoch (pretrainSchedule).
 * Trap ('both'): a scene's two captions can land in one batch (≈ batch²/(4·nScenes) per batch);
 * each is then the other's false negative — rare, as in any CLIP data with near-duplicates.
 */
export function clipBatches(captions: 'short' | 'both', nScenes: number, batch: number, steps: number, seed: number): PretrainItem[][] {
  if (captions === 'both') return pretrainSchedule(nScenes, batch, steps, seed);
  const order = DataOrder.start(nScenes, Math.min(batch, nScenes), seed);
  return Array.from({ length: steps }, () => order.next().indices.map((scene) => ({ scene, long: false })));
}
