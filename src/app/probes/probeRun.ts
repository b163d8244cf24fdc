// State of the Probes screen (its own zustand store; no worker events consumed here).
// The items come from the synthetic evaluation plan the worker builds (eval-plan: the same one
// `discern eval` scores): the synthetic TEST split with its SugarCrepe hard negatives and the
// Winoground pairs. Each variant (base = adapters and soft prompts bypassed, tuned = current
// adapters) embeds every image and text once; the worker scores the tables (eval-score), the
// per-item sims the screen shows are computed from them with shared/eval.ts.
import { create } from 'zustand';
import type { EvalPlanData } from '../../protocol/messages.ts';
import type { EvalReport } from '../../shared/eval.ts';
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
  plan: EvalPlanData | null;
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
  /** Embeds the plan with each variant ("tuned" only when the model carries an adapter) and scores it. */
  run(variants: readonly Variant[]): Promise<void>;
  attend(image: number, variant: Variant): Promise<void>;
}

/** Requests per embed call (images / texts): the progress bar advances per chunk. */
const IMG_CHUNK = 8;
const TXT_CHUNK = 48;

const msg = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export const useProbes = create<ProbesState>((set, get) => {
  /** The eval-plan request in flight (run and attend may both ask; setSize drops it). */
  let pending: Promise<EvalPlanData> | null = null;
  async function ensurePlan(): Promise<EvalPlanData> {
    const { plan, count, seed } = get();
    if (plan) return plan;
    const mine = (pending ??= getEngine().request('eval-plan', { count, seed }));
    const p = await mine;
    if (pending === mine) {
      pending = null;
      set({ plan: p, urls: p.pngs.map((b) => URL.createObjectURL(new Blob([b], { type: 'image/png' }))) });
    }
    return get().plan ?? p;
  }

  async function embedVariant(plan: EvalPlanData, v: Variant, tick: (n: number, what: string) => void): Promise<VariantResult> {
    const base = v === 'base';
    const eng = getEngine();
    let dim = 0;
    const I: Float32Array[] = [];
    for (let s = 0; s < plan.images.length; s += IMG_CHUNK) {
      const paths = plan.images.slice(s, s + IMG_CHUNK);
      const r = await eng.request('embed', { images: paths.map((p, j) => ({ path: p, data: plan.pngs[s + j] })), base });
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
    const report = await eng.request('eval-score', { items: { n: plan.n, probes: plan.probes, wino: plan.wino }, texts: Tm.buffer, images: Im.buffer, dim });
    return { report, T: Tm, I: Im, dim };
  }

  return {
    count: 16, seed: 7, plan: null, urls: [], results: {}, status: 'idle', progress: { done: 0, total: 0, what: '' }, attention: null, stamp: null,

    setSize(count, seed) {
      for (const u of get().urls) URL.revokeObjectURL(u);
      pending = null;
      set({ count, seed, plan: null, urls: [], results: {}, attention: null, status: 'idle' });
    },

    async run(variants) {
      try {
        set({ status: 'running', error: undefined, results: {}, attention: null, stamp: variantOf('tuned'), progress: { done: 0, total: 0, what: 'plan' } });
        const plan = await ensurePlan();
        const total = variants.length * (plan.images.length + plan.texts.length);
        let done = 0;
        set({ progress: { done, total, what: '' } });
        const tick = (n: number, what: string) => set({ progress: { done: (done += n), total, what } });
        const results: ProbesState['results'] = {};
        for (const v of variants) {
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
        const plan = await ensurePlan();
        const r = await getEngine().request('attention-map', { image: { path: plan.images[image], data: plan.pngs[image] }, base: variant === 'base' });
        set({ attention: { image, variant, weights: new Float32Array(r.weights), imageMass: new Float32Array(r.imageMass), grid: r.grid, layer: r.layer } });
      } catch (e) {
        set({ error: msg(e) });
      }
    },
  };
});
