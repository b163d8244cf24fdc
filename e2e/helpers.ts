// Shared e2e helpers: wait on the store through window.__discern (no sleeps), screenshots,
// and a real drag-and-drop of files from disk (DataTransfer built in the page).
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { expect, type Page } from '@playwright/test';
import type { DiscernTestApi } from '../src/app/testApi.ts';
import { DEFAULT_BUNDLED_MODEL, type BundledModelName } from '../src/protocol/messages.ts';

type S = ReturnType<DiscernTestApi['state']>;

/** Waits until `pred(state)` is true in the page (pred is serialised: no closures). */
export async function waitState(page: Page, pred: (s: S) => boolean, timeout = 120_000): Promise<void> {
  await page.waitForFunction(`(${pred.toString()})(window.__discern.state())`, undefined, { timeout, polling: 100 });
}

export async function state<T>(page: Page, pick: (s: S) => T): Promise<T> {
  return page.evaluate(`(${pick.toString()})(window.__discern.state())`) as Promise<T>;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: `test-results/screens/${name}.png`, fullPage: true });
}

export async function tab(page: Page, name: string): Promise<void> {
  await page.getByTestId(`tab-${name}`).click();
}

/** Loads a bundled tiny model (default: the playground's default, discern-tiny v2) through the Model screen. */
export async function loadBundledModel(page: Page, name: BundledModelName = DEFAULT_BUNDLED_MODEL): Promise<void> {
  await tab(page, 'model');
  await page.getByTestId(`bundled-${name}`).check();
  await page.getByTestId('load-model').click();
  await waitState(page, (s) => s.model.status === 'ready' || s.model.status === 'error');
  const err = await state(page, (s) => s.model.error ?? null);
  if (err) throw new Error(`load-model failed in the page: ${err}`);
}

/**
 * Data screen → "Use synthetic scenes" (with `count` typed first when given); fails on a load
 * error. Returns the training split's size.
 */
export async function loadSynthetic(page: Page, count?: number): Promise<number> {
  await tab(page, 'data');
  if (count !== undefined) await page.getByTestId('synthetic-count').fill(String(count));
  await page.getByTestId('use-synthetic').click();
  await waitState(page, (s) => s.data.status === 'ready' || s.data.status === 'error');
  expect(await state(page, (s) => s.data.error ?? null)).toBeNull();
  return state(page, (s) => s.data.summary!.train);
}

/** Drops files from disk onto `selector` as a real drop event carrying a DataTransfer. */
export async function dropFiles(page: Page, selector: string, paths: string[]): Promise<void> {
  const files = paths.map((p) => ({ name: basename(p), b64: readFileSync(p).toString('base64'), type: p.endsWith('.png') ? 'image/png' : 'application/jsonl' }));
  const dt = await page.evaluateHandle((fs) => {
    const dt = new DataTransfer();
    for (const f of fs) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name, { type: f.type }));
    }
    return dt;
  }, files);
  await page.dispatchEvent(selector, 'dragover', { dataTransfer: dt });
  await page.dispatchEvent(selector, 'drop', { dataTransfer: dt });
}
