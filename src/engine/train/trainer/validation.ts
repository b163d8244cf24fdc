/**
 * Validation retrieval: embed the validation images (each distinct feature row once) and their
 * short captions with the current adapters, and score text→image and image→text recall@1/5/10.
 *
 * Public API:
 *   interface ValidationResult { name, value, higherIsBetter, details }
 *   VALIDATION_METRIC = 'val/R@1 t2i'      — the value used to pick the best checkpoint
 *   validateRetrieval(ctx, vlm, features, examples, chunkSize) → ValidationResult
 *     details: 't2i/R@1', 't2i/R@5', 't2i/R@10', 'i2t/R@1', 'i2t/R@5', 'i2t/R@10', images, texts
 *
 * Embedding runs chunk by chunk without activations (no gradients, no optimizer state touched),
 * so validating in the middle of a run does not change its trajectory.
 */
import type { GpuContext } from '../../gpu/context.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import type { Vlm } from '../../model/vlm/vlm.ts';
import { retrievalRecall } from '../../eval/retrieval.ts';
import { similarity } from '../../eval/topk.ts';
import { gatherFeatures, type TrainExample } from './data.ts';
import { TrainDataError } from './errors.ts';

export interface ValidationResult {
  name: string;
  value: number;
  higherIsBetter: boolean;
  details: Record<string, number>;
}

export const VALIDATION_METRIC = 'val/R@1 t2i';

async function embedChunks(ctx: GpuContext, n: number, chunk: number, H: number, embed: (s: number, e: number) => GpuTensor): Promise<Float32Array> {
  const out = new Float32Array(n * H);
  for (let s = 0; s < n; s += chunk) {
    const e = Math.min(n, s + chunk);
    const t = embed(s, e);
    out.set(await ctx.read(t), s * H);
    ctx.release(t);
  }
  return out;
}

export async function validateRetrieval(
  ctx: GpuContext, vlm: Vlm, features: GpuTensor, examples: readonly TrainExample[], chunkSize: number,
): Promise<ValidationResult> {
  if (examples.length < 2) throw new TrainDataError('validation', `needs at least 2 examples for retrieval, has ${examples.length}`);
  const H = vlm.dims.hidden;
  const rows = [...new Set(examples.map((e) => e.image))];
  const imageIndex = new Map(rows.map((r, i) => [r, i]));
  const textToImage = examples.map((e) => imageIndex.get(e.image)!);
  const images = await embedChunks(ctx, rows.length, chunkSize, H, (s, e) => {
    const f = gatherFeatures(ctx, features, rows.slice(s, e));
    const emb = vlm.embedImages(f, e - s);
    ctx.release(f);
    return emb;
  });
  const texts = await embedChunks(ctx, examples.length, chunkSize, H, (s, e) => vlm.embedTexts(examples.slice(s, e).map((x) => x.short)));
  const sim = similarity(texts, images, examples.length, rows.length, H); // [texts, images]
  const r = retrievalRecall(sim, examples.length, rows.length, textToImage, [1, 5, 10]);
  const details: Record<string, number> = { images: rows.length, texts: examples.length };
  for (const k of [1, 5, 10]) {
    details[`t2i/R@${k}`] = r.textToImage[k];
    details[`i2t/R@${k}`] = r.imageToText[k];
  }
  return { name: VALIDATION_METRIC, value: r.textToImage[1], higherIsBetter: true, details };
}
