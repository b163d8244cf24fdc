// State of the Probes screen (its own zustand store; no worker events consumed here).
// The items come from the shared synthetic evaluation plan (src/engine/eval/synthetic_eval.ts,
// the same one `discern eval` scores): the synthetic TEST split with its SugarCrepe hard
// negatives and the Winoground pairs. Each variant (base = adapters and soft prompts bypassed,
// tuned = current adapters) embeds every image and text once; reports and per-item sims are
// computed here from those unit vectors.
import { create } from 'zustand';
import { planSyntheticEval, type EvalPlan, type EvalReport } from '../../engine/eval/synthetic_eval.ts';
import { getEngine } from '../engine.ts';
import { variantOf } from '../retrieve/gallery.ts';

export type Variant = 'base' | 'tuned';

export interface VariantResult {
  report: EvalReport;
  /** [texts, dim] and [images, dim], L2-normalised. */
  T: Float32Array;
  I: Float32Array;
  dim: number;
}

export interface AttentionResult {
  image: number;
  variant: Variant;
  weights: Float32Array;
  imageMass: Float32Array;
  grid: number;
  layer: number;
}

export interface ProbesState {
  count: number;
  seed: number;
  plan: EvalPlan | null;
  /** Object URLs of the plan's images (same order as plan.images). */
  urls: string[];
  results: Partial<Record<Variant, VariantResult>>;
  status: 'idle' | 'running' | 'ready' | 'error';
  progress: { done: number; total: number; what: string };
  error?: string;
  attention: AttentionResult | null;
  /** variantOf('tuned') when the results were computed: differs once the model/adapters change. */
  stamp: string | null;
  setSize(count: number, seed: number): void;
  run(): Promise<void>;
  attend(image: number, variant: Variant): Promise<void>;
}

/** Requests per embed call (images / texts): the progress bar advances per chunk. */
const IMG_CHUNK = 8;
const TXT_CHUNK = 48;

const msg = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export const useProbes = create<ProbesState>((set, get) => {
  function ensurePlan(): EvalPlan {
    let { plan } = get();
    if (!plan) {
      plan = planSyntheticEval(get().count, get().seed);
      const urls = plan.images.map((p) => URL.createObjectURL(new Blob([plan!.files.get(p)!.slice()], { type: 'image/png' })));
      set({ plan, urls });
    }
    return plan;
  }

  async function embedVariant(plan: EvalPlan, v: Variant, tick: (n: number, what: string) => void): Promise<VariantResult> {
    const base = v === 'base';
    const eng = getEngine();
    let dim = 0;
    const I: Float32Array[] = [];
    for (let s = 0; s < plan.images.length; s += IMG_CHUNK) {
      const paths = plan.images.slice(s, s + IMG_CHUNK);
      const r = await eng.request('embed', { images: paths.map((p) => ({ path: p, data: plan.files.get(p)!.slice().buffer as ArrayBuffer })), base });
      if (r.problems.length) throw new Error(`probe images failed to decode: ${r.problems.map((p) => `${p.file}: ${p.reason}`).join('; ')}`);
      dim = r.dim;
      I.push(new Float32Array(r.images!));
      tick(paths.length, `${v}: images`);
    }
    const T: Float32Array[] = [];
    for (let s = 0; s < plan.texts.length; s += TXT_CHUNK) {
      const texts = plan.texts.slice(s, s + TXT_CHUNK);
      const r = await eng.request('embed', { texts, base });
      T.push(new Float32Array(r.texts!));
      tick(texts.length, `${v}: captions`);
    }
    const cat = (xs: Float32Array[]) => {
      const out = new Float32Array(xs.reduce((a, x) => a + x.length, 0));
      let o = 0;
      for (const x of xs) (out.set(x, o), (o += x.length));
      return out;
    };
    const Tm = cat(T);
    const Im = cat(I);
    return { report: plan.score(Tm, Im, dim), T: Tm, I: Im, dim };
  }

  return {
    count: 16, seed: 7, plan: null, urls: [], results: {}, status: 'idle', progress: { done: 0, total: 0, what: '' }, attention: null, stamp: null,

    setSize(count, seed) {
      for (const u of get().urls) URL.revokeObjectURL(u);
      set({ count, seed, plan: null, urls: [], results: {}, attention: null, status: 'idle' });
    },

    async run() {
      try {
        const plan = ensurePlan();
        const total = 2 * (plan.images.length + plan.texts.length);
        let done = 0;
        set({ status: 'running', error: undefined, results: {}, attention: null, stamp: variantOf('tuned'), progress: { done, total, what: '' } });
        const tick = (n: number, what: string) => set({ progress: { done: (done += n), total, what } });
        const results: ProbesState['results'] = {};
        for (const v of ['base', 'tuned'] as const) {
          results[v] = await embedVariant(plan, v, tick);
          set({ results: { ...results } });
        }
        set({ status: 'ready' });
      } catch (e) {
        set({ status: 'error', error: msg(e) });
      }
    },

    async attend(image, variant) {
      try {
        const plan = ensurePlan();
        const path = plan.images[image];
        const r = await getEngine().request('attention-map', { image: { path, data: plan.files.get(path)!.slice().buffer as ArrayBuffer }, base: variant === 'base' });
        set({ attention: { image, variant, weights: new Float32Array(r.weights), imageMass: new Float32Array(r.imageMass), grid: r.grid, layer: r.layer } });
      } catch (e) {
        set({ error: msg(e) });
      }
    },
  };
});
