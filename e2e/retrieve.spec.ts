// Retrieve screen on the bundled tiny random model: synthetic test images + a dropped image
// twice → embedded in the worker (progress bar) → an image query ranks its own duplicate first
// with cosine 1 (a property of any deterministic model); a text query returns k images in
// descending cosine; the base/tuned switch re-embeds with the adapters bypassed.
import { expect, test, type Page } from '@playwright/test';
import { dropFiles, loadBundledModel, screenshot, tab } from './helpers.ts';

const RED_CUBE = 'e2e/fixtures/data/images/red_cube.png';

async function scores(page: Page, testId: string): Promise<number[]> {
  const texts = await page.getByTestId(testId).locator('.score').allTextContents();
  return texts.map(Number);
}

async function embed(page: Page) {
  await page.getByTestId('embed-gallery').click();
  await expect(page.getByTestId('embed-status')).toHaveText('ready', { timeout: 120_000 });
  await expect(page.getByTestId('retrieve-error')).toHaveCount(0);
}

test('gallery → embeddings → duplicate image ranks first; text query gives top-k; base vs tuned', async ({ page }) => {
  await page.goto('/');
  await loadBundledModel(page);
  await tab(page, 'retrieve');
  await page.getByTestId('add-synthetic').click();
  await expect(page.getByTestId('gallery-item')).toHaveCount(8);
  await dropFiles(page, '[data-testid=gallery-dropzone]', [RED_CUBE]);
  await dropFiles(page, '[data-testid=gallery-dropzone]', [RED_CUBE]);
  await expect(page.getByTestId('gallery-item')).toHaveCount(10);

  await embed(page);
  await expect(page.getByTestId('embed-progress')).toHaveAttribute('value', '10');

  // Image → image: the dropped red cube (index 8) finds its copy (index 9) first, cosine 1.
  await page.getByTestId('gallery-item').nth(8).locator('img').click();
  const first = page.getByTestId('image-hit').first();
  await expect(first).toHaveAttribute('data-index', '9');
  expect((await scores(page, 'image-hits'))[0]).toBeCloseTo(1, 3);
  // Image → text: the 8 synthetic captions are ranked, best first.
  await expect(page.getByTestId('caption-hits').locator('li')).toHaveCount(5);
  const capScores = await scores(page, 'caption-hits');
  expect([...capScores].sort((a, b) => b - a)).toEqual(capScores);

  // Text → image: top-5 in descending cosine, all within [-1, 1].
  await page.getByTestId('text-query').fill('a red cube');
  await page.getByTestId('search').click();
  await expect(page.getByTestId('text-hit')).toHaveCount(5);
  const s = await scores(page, 'text-hits');
  expect([...s].sort((a, b) => b - a)).toEqual(s);
  for (const x of s) expect(Math.abs(x)).toBeLessThanOrEqual(1.0001);
  await screenshot(page, 'retrieve');

  // Base model: re-embed (adapters bypassed); the duplicate property still holds.
  await page.getByTestId('mode-base').check();
  await embed(page);
  await page.getByTestId('gallery-item').nth(9).locator('img').click();
  await expect(page.getByTestId('image-hit').first()).toHaveAttribute('data-index', '8');
  expect((await scores(page, 'image-hits'))[0]).toBeCloseTo(1, 3);
  await screenshot(page, 'retrieve-base');
});
