/**
 * Live probes: the compositional accuracies a user watches move while a run trains (Train
 * screen). The handler builds one prober per training session; the session calls it after
 * each validation with the run's Vlm (its current adapters), between steps.
 *
 * Public API:
 *   liveProber(features) → (vlm, runId, step) → Promise<TrainProbesEvent>
 *     features: the handler's image → vision-feature path (IndexedDB feature cache, so the
 *     plan's images are encoded once per model).
 *   summarizeProbes(report, runId, step) → TrainProbesEvent
 *
 * Plan: planSyntheticEval(LIVE_PROBE_SCENES, LIVE_PROBE_SEED) — the same seeded synthetic
 * test scenes the Probes screen and `discern eval` use (held out from every training split).
 * Display only: nothing is selected on them (the best checkpoint is chosen on validation).
 * Cost per call: embed ~16 + 2·pairs images and ~100 short texts, no gradients.
 */
import { LIVE_PROBE_SCENES, type TrainProbesEvent } from '../../protocol/training.ts';
import type { EvalReport } from '../../shared/eval.ts';
import { planSyntheticEval } from '../eval/synthetic_eval.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import { embedRequest } from './embed.ts';
import type { FeatureResult, ImageInput } from './feature_cache.ts';

/** The Probes screen's default seed: the live panel and a later Probes run score the same scenes. */
export const LIVE_PROBE_SEED = 7;

export type LiveProber = (vlm: Vlm, runId: string, step: number) => Promise<TrainProbesEvent>;

export function summarizeProbes(r: EvalReport, runId: string, step: number): TrainProbesEvent {
  const acc = (c: 'swap-obj' | 'swap-att' | 'replace-rel') => r.sugarcrepe.perCategory[c]?.accuracy ?? Number.NaN;
  return {
    type: 'train-probes', runId, step, swapObj: acc('swap-obj'), swapAtt: acc('swap-att'), replaceRel: acc('replace-rel'),
    winoGroup: r.winoground.n ? r.winoground.group : Number.NaN, t2i5: r.retrieval.textToImage[5],
  };
}

export function liveProber(features: (images: ImageInput[]) => Promise<FeatureResult>): LiveProber {
  // Rendered on the first validation only: a run that never validates pays nothing at train-start.
  let plan: ReturnType<typeof planSyntheticEval> | null = null;
  let images: { path: string; data: ArrayBuffer }[] = [];
  return async (vlm, runId, step) => {
    if (!plan) {
      plan = planSyntheticEval(LIVE_PROBE_SCENES, LIVE_PROBE_SEED);
      const p = plan;
      images = p.images.map((path) => ({ path, data: p.files.get(path)!.slice().buffer as ArrayBuffer }));
    }
    const r = await embedRequest(vlm, { texts: plan.texts, images }, features);
    if (r.imageNames.length !== plan.images.length) throw new Error(`live probes: ${plan.images.length - r.imageNames.length} plan images failed to decode`);
    return summarizeProbes(plan.score(new Float32Array(r.texts!), new Float32Array(r.images!), r.dim), runId, step);
  };
}
