// The one-click demo ("Try it in 2 minutes", issue 14): drives the same store actions a user
// would, in order — load the default bundled model (discern-tiny v2), load synthetic train scenes, measure this
// device with a 2-step run, train for as many steps as fit DEMO_BUDGET_SEC (ETA shown before
// it starts), then score the held-out probes for the base model and the new adapter side by
// side (plan.ts). Every phase is visible (phase, progress, ETA); any failure stops the demo
// with the phase named, and what ran stays (the run is in Checkpoints as any other).
import { create } from 'zustand';
import { DEFAULT_BUNDLED_MODEL } from '../../protocol/messages.ts';
import { useProbes } from '../probes/probeRun.ts';
import { useStore } from '../store.ts';
import { demoRows, demoSentence, demoSteps, DEMO_BUDGET_SEC, type DemoRow } from './plan.ts';

export type DemoPhase = 'idle' | 'model' | 'data' | 'measure' | 'train' | 'probes' | 'done' | 'error';

export const DEMO_SCENES = 64;
/** Held-out scenes of the synthetic test split scored for base and tuned. */
export const DEMO_HELD_OUT = 16;

export interface DemoState {
  phase: DemoPhase;
  /** Measured seconds per step (2-step run) and the steps chosen from it. */
  secPerStep: number | null;
  steps: number | null;
  etaSec: number | null;
  trainSec: number | null;
  rows: DemoRow[] | null;
  sentence: string | null;
  error?: string;
  /** budgetSec: training time to fill (default DEMO_BUDGET_SEC; e2e passes less via ?demoBudget=). */
  start(budgetSec?: number): Promise<void>;
}

type S = ReturnType<typeof useStore.getState>;

/** Resolves once pred(store) holds (checked now and on every store change). */
function until(pred: (s: S) => boolean): Promise<S> {
  return new Promise((res) => {
    if (pred(useStore.getState())) return res(useStore.getState());
    const stop = useStore.subscribe((s) => {
      if (pred(s)) { stop(); res(s); }
    });
  });
}

/** Sets form fields as the demo's own values (not marked as typed by the user). */
function setFields(v: Record<string, string>): void {
  useStore.setState((s) => ({ train: { ...s.train, form: { ...s.train.form, ...v } } }));
}

/** Starts a run with the form as it is and waits for it to end; throws with the run's error. */
async function trainToEnd(what: string): Promise<S> {
  if (!(await useStore.getState().startTraining())) {
    const t = useStore.getState().train;
    throw new Error(`${what}: ${t.error?.message ?? Object.entries(t.fieldErrors).map(([k, m]) => `${k} ${m}`).join('; ')}`);
  }
  const s = await until((x) => x.train.state === 'stopped' || x.train.state === 'error' || !!x.train.error);
  if (s.train.error || s.train.state === 'error') throw new Error(`${what}: ${s.train.error?.name ?? 'Error'}: ${s.train.error?.message ?? s.train.message}`);
  return s;
}

export const useDemo = create<DemoState>((set, get) => ({
  phase: 'idle', secPerStep: null, steps: null, etaSec: null, trainSec: null, rows: null, sentence: null,

  async start(budgetSec = DEMO_BUDGET_SEC) {
    if (!['idle', 'done', 'error'].includes(get().phase)) return;
    const st = useStore.getState;
    let phase: DemoPhase = 'model';
    set({ phase, secPerStep: null, steps: null, etaSec: null, trainSec: null, rows: null, sentence: null, error: undefined });
    try {
      const m = st().model;
      if (m.status !== 'ready' || m.info?.name !== DEFAULT_BUNDLED_MODEL) {
        st().setModel({ kind: 'bundled', bundled: DEFAULT_BUNDLED_MODEL });
        await st().loadModel();
        if (st().model.status !== 'ready') throw new Error(st().model.error ?? 'the model did not load');
      }
      set({ phase: (phase = 'data') });
      st().setData({ kind: 'synthetic', syntheticCount: DEMO_SCENES });
      await st().loadData();
      const data = st().data;
      if (data.status !== 'ready' || !data.summary) throw new Error(data.error ?? 'the scenes did not load');

      // 2 steps at the recipe's batch: the second one's examples/s is this device's speed
      // (the first includes shader compilation).
      set({ phase: (phase = 'measure') });
      st().resetToRecipe();
      setFields({ steps: '2', warmupSteps: '0', checkpointEvery: '0', validateEvery: '0' });
      const measured = await trainToEnd('measuring speed');
      const eps = measured.train.series.examplesPerSec.at(-1) ?? 0;
      const batch = Math.min(Number(measured.train.form.batchSize), data.summary.train);
      const secPerStep = batch / eps;
      const steps = demoSteps(secPerStep, budgetSec);
      set({ secPerStep, steps, etaSec: steps * secPerStep });

      set({ phase: (phase = 'train') });
      st().resetToRecipe();
      setFields({ steps: String(steps), warmupSteps: String(Math.max(1, Math.round(steps / 10))), validateEvery: '0', checkpointEvery: String(steps) });
      const t0 = performance.now();
      await trainToEnd('training');
      const trainSec = (performance.now() - t0) / 1000;
      set({ trainSec });

      set({ phase: (phase = 'probes') });
      const probes = useProbes.getState();
      if (probes.count !== DEMO_HELD_OUT) probes.setSize(DEMO_HELD_OUT, probes.seed);
      await useProbes.getState().run(['base', 'tuned']);
      const r = useProbes.getState();
      if (r.status !== 'ready' || !r.results.base || !r.results.tuned) throw new Error(r.error ?? 'the probes did not finish');
      const rows = demoRows(r.results.base.report, r.results.tuned.report);
      const sentence = demoSentence(rows, { steps, seconds: trainSec, scenes: data.summary.train, heldOut: r.plan?.n ?? DEMO_HELD_OUT });
      set({ phase: 'done', rows, sentence });
    } catch (e) {
      set({ phase: 'error', error: `${phase}: ${e instanceof Error ? e.message : String(e)}` });
    }
  },
}));

