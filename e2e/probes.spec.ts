// Probes screen on the bundled tiny random model: run the synthetic probes for base and tuned
// → SugarCrepe bars for the categories present and Winoground bars; one item with its
// positive / hard-negative captions and cosines (green iff the positive wins); the last-layer
// attention heat map drawn over the image for both variants. The adapters are untrained
// (LoRA B = 0, soft prompts = the prompt's token embeddings), so tuned equals base here.
import { expect, test, type Page } from '@playwright/test';
import { loadBundledModel, screenshot, tab } from './helpers.ts';

async function num(page: Page, testId: string): Promise<number> {
  return Number(await page.getByTestId(testId).textContent());
}

test('probes: bars, one item with similarities, attention heat map', async ({ page }) => {
  await page.goto('/');
  await loadBundledModel(page);
  await tab(page, 'probes');
  await page.getByTestId('probes-count').fill('8');
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
  // Untrained adapters: the tuned model embeds like the base model.
  expect(await num(page, 'sim-pos-tuned')).toBeCloseTo(await num(page, 'sim-pos-base'), 3);

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
