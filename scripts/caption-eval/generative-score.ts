/**
 * Scores of the generative probes (generative-probe.ts): from log p(caption | image) under the
 * base LVLM's own language head, how often the true caption beats its hard negative per
 * SugarCrepe category, and the Winoground text / image / group scores — the same rules
 * (probes.ts: strictly greater wins, ties lose) as the embedding probes of the evidence table,
 * with log-likelihoods in place of cosines. Pure (generative-score.test.ts).
 *
 * Public API:
 *   interface GenerativeProbeRun   what the page returns: per test scene the true caption's and each
 *                                  negative's CaptionScore; per winoground pair scores[image][caption]
 *   type Rule = 'sum' | 'mean'     log p of the whole caption, or per token (length-normalised)
 *   summarizeGenerative(run) → GenerativeSummary   accuracies per rule (fractions)
 *
 * 'sum' is the model's probability of the caption; it favours the shorter caption, which is the
 * true one in add-obj / add-att (their negatives add words), so those two read high for a reason
 * that is not knowledge. 'mean' removes the length effect. Swap negatives have the same words, so
 * the two rules agree there up to tokenisation.
 */
import type { CaptionScore } from '../../src/engine/eval/caption_likelihood.ts';
import { sugarCrepeAccuracy, winogroundScores } from '../../src/engine/eval/probes.ts';
import { SUGARCREPE_CATEGORIES, type SugarCrepeCategory } from '../../src/engine/data/dataset.ts';

export interface GenerativeProbeRun {
  scenes: { id: string; pos: CaptionScore; neg: Partial<Record<SugarCrepeCategory, CaptionScore>> }[];
  /** scores[image][caption]: both captions of a pair with each of its two images. */
  pairs: { id: string; kind: string; scores: CaptionScore[][] }[];
}

export type Rule = 'sum' | 'mean';
export const RULES: readonly Rule[] = ['sum', 'mean'];

export interface GenerativeSummary {
  scenes: number;
  pairs: number;
  /** Per rule: accuracy per category (fraction) and items per category. */
  categories: Record<Rule, Partial<Record<SugarCrepeCategory, number>>>;
  items: Partial<Record<SugarCrepeCategory, number>>;
  winoground: Record<Rule, { text: number; image: number; group: number }>;
}

const value = (s: CaptionScore, rule: Rule) => (rule === 'sum' ? s.logProb : s.logProb / s.tokens);

export function summarizeGenerative(run: GenerativeProbeRun): GenerativeSummary {
  const categories = {} as GenerativeSummary['categories'];
  const winoground = {} as GenerativeSummary['winoground'];
  const items: GenerativeSummary['items'] = {};
  for (const rule of RULES) {
    const probes = run.scenes.flatMap((s) => SUGARCREPE_CATEGORIES.filter((c) => s.neg[c]).map((c) => ({
      category: c, positive: value(s.pos, rule), negative: value(s.neg[c]!, rule),
    })));
    const acc = sugarCrepeAccuracy(probes).perCategory;
    categories[rule] = Object.fromEntries(Object.entries(acc).map(([c, v]) => [c, v!.accuracy]));
    for (const [c, v] of Object.entries(acc)) items[c as SugarCrepeCategory] = v!.total;
    // WinoSims are caption-major: s[caption][image]
    const w = winogroundScores(run.pairs.map((p) => [
      [value(p.scores[0][0], rule), value(p.scores[1][0], rule)],
      [value(p.scores[0][1], rule), value(p.scores[1][1], rule)],
    ]));
    winoground[rule] = { text: w.text, image: w.image, group: w.group };
  }
  return { scenes: run.scenes.length, pairs: run.pairs.length, categories, items, winoground };
}
