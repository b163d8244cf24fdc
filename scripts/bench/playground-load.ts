// How long the playground takes to load a bundled model, as a user sees it (issue 12: the
// bundled model must load in < 2 s): the app's own Vite config (what `npm start` serves), headless
// Chromium with the scripts/chromium.ts flags, Model screen → pick the model → Load → ready.
// The figure is the app's own `model.loadSeconds` (Load click to ready: the GPU device if not yet
// started, model files read, decoder upload, the ONNX vision session), the number the Model screen shows.
//
//   npm run bench:load -- [--models discern-tiny-v2,discern-tiny] [--reps 5] [--quick]
//
// Each rep reloads the page first (a fresh worker and device, as a returning user gets); one
// unrecorded warm-up load per run lets Vite transform the modules once. Each model is timed twice:
// Load clicked as soon as the page is up (the worst case) and PAUSE_S later (a user who reads the
// screen first; the worker's onnxruntime prewarm has finished by then). Prints per model the
// median, min and max, and the 1-minute load average before and after (the machine is shared:
// a run beside another job reads high). --quick: one model, one rep (the CI smoke test).
import { loadavg } from 'node:os';
import { resolve } from 'node:path';
import { openHeadlessPage } from '../headless-page.ts';
import { median } from './stats.ts';
import { BUNDLED_MODELS, DEFAULT_BUNDLED_MODEL, type BundledModelName } from '../../src/protocol/messages.ts';
import type { DiscernTestApi } from '../../src/app/testApi.ts';

export interface LoadArgs {
  models: BundledModelName[];
  reps: number;
}

export class LoadArgsError extends Error {
  override readonly name = 'LoadArgsError';
}

export const USAGE = `usage: npm run bench:load -- [--models ${Object.keys(BUNDLED_MODELS).join(',')}] [--reps N] [--quick]`;

export function parseLoadArgs(argv: readonly string[]): LoadArgs {
  let models: BundledModelName[] = [DEFAULT_BUNDLED_MODEL, 'discern-tiny'];
  let reps = 5;
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') quick = true;
    else if (a === '--models' || a === '--reps') {
      const v = argv[++i];
      if (!v) throw new LoadArgsError(`${a} needs a value`);
      if (a === '--reps') {
        reps = Number(v);
        if (!Number.isInteger(reps) || reps < 1) throw new LoadArgsError(`--reps must be a positive integer, got ${v}`);
      } else {
        const names = v.split(',').map((s) => s.trim()).filter(Boolean);
        const bad = names.filter((n) => !(n in BUNDLED_MODELS));
        if (bad.length || !names.length) throw new LoadArgsError(`--models: unknown bundled model ${bad.join(', ') || '(none)'}; known: ${Object.keys(BUNDLED_MODELS).join(', ')}`);
        models = names as BundledModelName[];
      }
    } else throw new LoadArgsError(`unknown argument ${a}`);
  }
  return quick ? { models: models.slice(0, 1), reps: 1 } : { models, reps };
}

type Win = Window & { __discern: DiscernTestApi };

/** The second timing of each model clicks Load this long after the page opened, as a user who reads the screen
 * first does: the engine worker compiles onnxruntime's wasm as it boots (≈ 1.5 s here), so such a load skips it. */
export const PAUSE_S = 3;

async function main(): Promise<void> {
  const a = parseLoadArgs(process.argv.slice(2));
  const load0 = loadavg()[0];
  const hp = await openHeadlessPage({ entry: 'index.html', ready: '__discern', name: 'playground-load', echo: 'warnings', appConfig: true });
  const { page } = hp;
  try {
    const loadOnce = async (name: BundledModelName, pauseMs = 0): Promise<number> => {
      await page.reload();
      await page.waitForFunction(() => !!(window as unknown as Partial<Win>).__discern);
      if (pauseMs) await page.waitForTimeout(pauseMs);
      await page.getByTestId('tab-model').click();
      await page.getByTestId(`bundled-${name}`).check();
      await page.getByTestId('load-model').click();
      await page.waitForFunction(() => ['ready', 'error'].includes((window as unknown as Win).__discern.state().model.status), null, { timeout: 120_000 });
      const m = await page.evaluate(() => { const s = (window as unknown as Win).__discern.state().model; return { error: s.error ?? null, seconds: s.loadSeconds ?? NaN }; });
      if (m.error) throw new Error(`${name} failed to load in the playground: ${m.error}`);
      return m.seconds;
    };
    const warm = await loadOnce(a.models[0]);
    console.log(`warm-up load (${a.models[0]}, Vite transforms the modules): ${warm.toFixed(2)} s`);
    for (const name of a.models) {
      for (const pause of [0, PAUSE_S]) {
        const s: number[] = [];
        for (let r = 0; r < a.reps; r++) s.push(await loadOnce(name, pause * 1000));
        const when = pause ? `Load clicked ${pause} s after the page opened` : 'Load clicked as soon as the page is up';
        console.log(`${name}: median ${median(s).toFixed(2)} s, min ${Math.min(...s).toFixed(2)} s, max ${Math.max(...s).toFixed(2)} s over ${s.length} loads (${s.map((x) => x.toFixed(2)).join(', ')}) — ${when}`);
      }
    }
    console.log(`load average (1 min): ${load0.toFixed(2)} → ${loadavg()[0].toFixed(2)}`);
  } finally {
    await hp.close();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'playground-load.ts')) {
  main().catch((e) => {
    console.error(e instanceof LoadArgsError ? `${e.message}\n${USAGE}` : e);
    process.exit(e instanceof LoadArgsError ? 2 : 1);
  });
}
