// Loading from a Hugging Face URL through the persistent cache (issue 13 item 4), against a
// local Hub stand-in (e2e/hub-server.ts: resolve/main layout, 302 to a CDN path, Range, ETag,
// CORS) serving public/models/tiny-random:
//  1. the first load shows per-file progress; the connection dies midway through
//     model.safetensors → a network error naming the file; the next load resumes with a Range
//     request from the stored offset, and the stored weights equal the served file;
//  2. after a reload the model loads from the cache with no request to the server, also with
//     the server stopped; the Storage screen lists it with its size and deletes it;
//  3. Cancel during a download stops it (DownloadCancelledError), the partial is listed as
//     partial, and the next load resumes it by Range.
import AxeBuilder from '@axe-core/playwright';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { startHubServer, type HubServer } from './hub-server.ts';
import { screenshot, state, tab, waitState } from './helpers.ts';

const DIR = 'public/models/tiny-random';
const KEY = 'org/tiny-random@main';
const WEIGHTS = readFileSync(`${DIR}/model.safetensors`);
let hub: HubServer;

test.beforeEach(async () => {
  hub = await startHubServer(DIR);
});
test.afterEach(async () => hub.stop());

async function loadFromUrl(page: Page, url: string): Promise<string | null> {
  await tab(page, 'model');
  await page.getByRole('radio', { name: /Hugging Face base URL/ }).check();
  await page.getByLabel('Hugging Face base URL', { exact: true }).fill(url);
  await page.getByTestId('load-model').click();
  await waitState(page, (s) => s.model.status === 'ready' || s.model.status === 'error');
  return state(page, (s) => s.model.error ?? null);
}

/** Starts recording, in the page, the highest download rate any file showed. */
async function watchRates(page: Page): Promise<void> {
  await page.evaluate(() => {
    const w = window as unknown as { __maxRate: number; __discern: { state(): { model: { download?: { files: { bytesPerSec: number; etaSec: number | null }[] } } } } };
    w.__maxRate = 0;
    setInterval(() => {
      for (const f of w.__discern.state().model.download?.files ?? []) if (f.etaSec !== null) w.__maxRate = Math.max(w.__maxRate, f.bytesPerSec);
    }, 20);
  });
}

/** SHA-256 of the cached model.safetensors, read from OPFS in the page. */
async function cachedDigest(page: Page): Promise<string> {
  return page.evaluate(async (key) => {
    const root = await (await navigator.storage.getDirectory()).getDirectoryHandle('discern-hub');
    const f = await (await (await (await root.getDirectoryHandle(encodeURIComponent(key))).getDirectoryHandle('f')).getFileHandle('model.safetensors')).getFile();
    const h = new Uint8Array(await crypto.subtle.digest('SHA-256', await f.arrayBuffer()));
    return [...h].map((x) => x.toString(16).padStart(2, '0')).join('');
  }, KEY);
}

/** GETs of exactly `file` (`cdn:<file>` for the redirect's target) in the server's log. */
/** Serious/critical axe violations on what is visible now. */
async function axeProblems(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')}`));
}

const fileGets = (log: string[], file: string) => log.filter((l) => l.startsWith(`GET ${file} `));

test('first load downloads with progress; a drop midway resumes by Range; reload and offline load hit the cache', async ({ page }) => {
  await page.goto('/');
  await watchRates(page);
  hub.throttle = 32 * 1024; // ≈ 640 kB/s: progress is visible for a second or two
  hub.dropAfter['model.safetensors'] = 200_000;
  const err = await loadFromUrl(page, hub.base);
  expect(err).toMatch(/HttpSourceError: model.safetensors: network error for http:\/\/127.0.0.1:\d+\/org\/tiny-random\/resolve\/main\/model.safetensors.*dropped after \d+ of 647672 bytes/);
  await expect(page.getByTestId('download-file-model.safetensors')).toContainText('failed');
  const kept = await state(page, (s) => s.model.download!.files.find((f) => f.path === 'model.safetensors')!.bytes);
  expect(kept).toBeGreaterThan(0);
  expect(kept).toBeLessThanOrEqual(200_000);
  await tab(page, 'storage');
  await expect(page.getByTestId(`model-row-${KEY}`)).toContainText('partial');

  hub.log.length = 0;
  expect(await loadFromUrl(page, hub.base)).toBeNull();
  expect([...fileGets(hub.log, 'model.safetensors'), ...fileGets(hub.log, 'cdn:model.safetensors')]).toEqual([
    'GET model.safetensors bytes=0-0', 'GET model.safetensors bytes=' + kept + '-', // size probe, then resumed from the stored offset
    'GET cdn:model.safetensors bytes=0-0', 'GET cdn:model.safetensors bytes=' + kept + '-', // the same through the 302
  ]);
  expect(fileGets(hub.log, 'config.json')).toEqual(['GET config.json bytes=0-0']); // stored complete: only its size is checked
  expect(await page.evaluate(() => (window as unknown as { __maxRate: number }).__maxRate)).toBeGreaterThan(0);
  await expect(page.getByTestId('download-file-model.safetensors')).toContainText(`resumed at`);
  expect(await axeProblems(page)).toEqual([]); // the Model screen with its download table
  await screenshot(page, 'model-hub-download');
  expect(await cachedDigest(page)).toBe(createHash('sha256').update(WEIGHTS).digest('hex'));
  expect(await state(page, (s) => s.model.info!.name)).toBe('org/tiny-random');

  // reload: from the cache, no request at all
  await page.reload();
  hub.log.length = 0;
  hub.options.length = 0;
  expect(await loadFromUrl(page, hub.base)).toBeNull();
  await expect(page.getByTestId('download-cached')).toContainText(KEY);
  expect([...hub.log, ...hub.options]).toEqual([]);

  // the server gone: still loads
  await hub.stop();
  await page.reload();
  expect(await loadFromUrl(page, hub.base)).toBeNull();
  await expect(page.getByTestId('download-cached')).toBeVisible();

  await tab(page, 'storage');
  const row = page.getByTestId(`model-row-${KEY}`);
  await expect(row).toContainText('complete');
  await expect(row).toContainText('KiB');
  expect(await axeProblems(page)).toEqual([]); // the Storage screen with a downloaded model
  await screenshot(page, 'storage-hub-models');
  await page.getByTestId(`delete-model-${KEY}`).click();
  await expect(page.getByTestId('storage-note')).toContainText('Cleared 1 downloaded model(s)');
  await expect(page.getByTestId('models-count')).toHaveText('0');
});

test('Cancel stops a download; the partial is listed and the next load resumes it', async ({ page }) => {
  await page.goto('/');
  hub.throttle = 16 * 1024; // ≈ 320 kB/s: 2 s for the weights
  await tab(page, 'model');
  await page.getByRole('radio', { name: /Hugging Face base URL/ }).check();
  await page.getByLabel('Hugging Face base URL', { exact: true }).fill(hub.base);
  await page.getByTestId('load-model').click();
  await waitState(page, (s) => (s.model.download?.files.find((f) => f.path === 'model.safetensors')?.bytes ?? 0) > 50_000);
  await expect(page.getByTestId('download-files')).toContainText('model.safetensors');
  await page.getByTestId('download-cancel').click();
  await waitState(page, (s) => s.model.status !== 'loading');
  expect(await state(page, (s) => s.model.error)).toMatch(/^DownloadCancelledError: download of org\/tiny-random@main cancelled at model.safetensors \(\d+ of 647672 bytes kept/);
  await expect(page.getByTestId('download-file-model.safetensors')).toContainText('cancelled');
  const kept = await state(page, (s) => s.model.download!.files.find((f) => f.path === 'model.safetensors')!.bytes);
  await tab(page, 'storage');
  await expect(page.getByTestId(`model-row-${KEY}`)).toContainText('partial');

  hub.throttle = null;
  hub.log.length = 0;
  expect(await loadFromUrl(page, hub.base)).toBeNull();
  const resumed = fileGets(hub.log, 'cdn:model.safetensors').map((l) => Number(/ bytes=(\d+)-/.exec(l)?.[1] ?? -1));
  expect(resumed).toEqual([0, kept]); // the probe, then the rest from the stored offset
  expect(kept).toBeGreaterThan(50_000);
  expect(await cachedDigest(page)).toBe(createHash('sha256').update(WEIGHTS).digest('hex'));
});
