// Probes screen on the bundled model. With no adapter yet (fresh LoRA = the base model) only
// the base model is scored and "tuned" is unavailable, saying why. After a 2-step run, the
// synthetic probes for base and tuned → SugarCrepe bars for the categories present and
// Winoground bars; one item with its positive / hard-negative captions and cosines (green iff
// the positive wins); the last-layer attention heat map over the image for both variants.
import { expect, test, type Page } from '@playwright/test';
import { loadBundledModel, loadSynthetic, screenshot, state, tab, waitState } from './helpers.ts';

/** A 2-step run on 8 synthetic scenes: the model then carries a trained adapter. */
async function trainTwoSteps(page: Page): Promise<void> {
  await loadSynthetic(page, 8);
  await tab(page, 'train');
  for (const [k, v] of Object.entries({ steps: '2', batchSize: '4', chunkSize: '4', warmupSteps: '0', checkpointEvery: '0', validateEvery: '0' })) {
    await page.getByTestId(`field-${k}`).fill(v);
  }
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error' || !!s.train.error, 240_000);
  expect(await state(page, (s) => s.train.error ?? null)).toBeNull();
}

async function num(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

test('probes: bars, one item with similarities, attention heat map', async ({ page }) => {
  await page.goto('/');
  await loadBundledModel(page);
  await tab(page, 'probes');
  await page.getByTestId('probes-count').fill('8');
  // No adapter: the base model only, and the screen says so.
  await expect(page.getByTestId('probes-adapter')).toContainText('No adapter yet');
  await expect(page.getByTestId('probes-run')).toHaveText('Run probes (base model)');
  await page.getByTestId('probes-run').click();
  await expect(page.getByTestId('probes-status')).toHaveText('ready', { timeout: 150_000 });
  await expect(page.getByTestId('bars-sugarcrepe').locator('.bar')).toHaveCount(7);
  await expect(page.getByTestId('sim-pos-tuned')).toHaveCount(0);
  await expect(page.getByTestId('att-tuned')).toBeDisabled();

  await trainTwoSteps(page);
  await tab(page, 'probes');
  await expect(page.getByTestId('probes-adapter')).toContainText(/Tuned = run \S+, step 2/);
  await page.getByTestId('probes-run').click();
  await expect(page.getByTestId('probes-status')).toHaveText('ready', { timeout: 150_000 });
  await expect(page.getByTestId('probes-error')).toHaveCount(0);

  // Bars: every category with items has a value in [0, 1] for both variants.
  const bars = page.getByTestId('bars-sugarcrepe').locator('.bar');
  await expect(bars).toHaveCount(14);
  const vals = (await bars.evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.value ?? ''))).filter((v) => v !== '').map(Number);
  expect(vals.length).toBeGreaterThanOrEqual(4);
  for (const v of vals) expect(v >= 0 && v <= 1).toBe(true);
  const wino = page.getByTestId('bars-winoground').locator('.bar');
  await expect(wino).toHaveCount(6);
  for (const v of await wino.evaluateAll((els) => els.map((e) => Number((e as HTMLElement).dataset.value)))) expect(v >= 0 && v <= 1).toBe(true);

  await expect(page.getByTestId('bars-retrieval').locator('.bar')).toHaveCount(8);
  await expect(page.getByTestId('wino-pair')).toHaveCount(2);

  // One item: the positive cell is green exactly when its cosine beats the negative's.
  await expect(page.getByTestId('probe-item')).toBeVisible();
  for (const v of ['base', 'tuned']) {
    const pos = await num(page, `sim-pos-${v}`);
    const neg = await num(page, `sim-neg-${v}`);
    await expect(page.getByTestId(`sim-pos-${v}`)).toHaveClass(pos > neg ? 'wins' : 'loses');
  }
  // Two steps at lr 1e-2 move the embeddings: tuned is not the base model under another name.
  expect(Math.abs(await num(page, 'sim-pos-tuned') - await num(page, 'sim-pos-base'))).toBeGreaterThan(1e-4);

  // Heat map over the image (tuned, then base), from the attention-map request.
  const heat = page.getByTestId('heatmap');
  await expect(heat).toHaveAttribute('data-drawn', 'heat', { timeout: 60_000 });
  await expect(page.getByTestId('probe-item')).toContainText('layer 1, mean over heads');
  await page.getByTestId('probe-next').click();
  await expect(page.getByTestId('probe-position')).toHaveText(/^2 \//);
  await page.getByTestId('att-base').check();
  await expect(heat).toHaveAttribute('data-drawn', 'heat', { timeout: 60_000 });
  // grid×grid weights (the tiny model: 4 image tokens → 2×2), a distribution over the image tokens.
  const grid = Number(await heat.getAttribute('data-grid'));
  const w = (await heat.getAttribute('data-weights'))!.split(' ').map(Number);
  expect(w.length).toBe(grid * grid);
  for (const x of w) expect(x).toBeGreaterThan(0);
  expect(w.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 2);
  await screenshot(page, 'probes');
});
