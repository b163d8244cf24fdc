// A new user's first run (issue 14): fresh profile → bundled model → "Use synthetic scenes"
// → Train → Start with the form untouched must train, not error; the form's defaults come
// from the model's discern.json (and say so); a batch larger than the training split is
// lowered at Start with a note, and the run uses the lowered batch; live probes appear with
// each validation.
import { expect, test, type Page } from '@playwright/test';
import { loadBundledModel, loadSynthetic, state, tab, waitState } from './helpers.ts';

// A real training step of discern-tiny on SwiftShader takes seconds to tens of seconds.
test.describe.configure({ timeout: 360_000 });

async function trainOneStepThenStop(page: Page): Promise<void> {
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.series.step.length >= 1 || s.train.state === 'error' || !!s.train.error || Object.keys(s.train.fieldErrors).length > 0, 240_000);
  expect(await state(page, (s) => ({ error: s.train.error ?? null, fields: s.train.fieldErrors }))).toEqual({ error: null, fields: {} });
  await page.getByTestId('stop').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error');
  expect(await state(page, (s) => s.train.series.loss.every(Number.isFinite))).toBe(true);
}

test('defaults after "Use synthetic scenes" train without an error, from the model\'s recipe', async ({ page }) => {
  await page.goto('/');
  await loadBundledModel(page);
  const train = await loadSynthetic(page);
  await tab(page, 'train');
  await expect(page.getByTestId('train-recipe')).toHaveAttribute('data-source', 'discern.json');
  await expect(page.getByTestId('train-recipe')).toContainText('chosen on val');
  await expect(page.getByTestId('field-lr')).toHaveValue('0.01');
  await expect(page.getByTestId('field-batchSize')).toHaveValue('16');
  expect(train).toBeGreaterThanOrEqual(16);
  await expect(page.getByTestId('note-batchSize')).toHaveCount(0);
  await trainOneStepThenStop(page);
  await expect(page.getByTestId('train-note')).toHaveCount(0);
});

test('a batch larger than the training split is lowered at Start, with a note; "Use recommended settings" restores the recipe', async ({ page }) => {
  await page.goto('/');
  await loadBundledModel(page);
  const train = await loadSynthetic(page, 8);
  await tab(page, 'train');
  await page.getByTestId('field-batchSize').fill('64');
  await page.getByTestId('field-steps').fill('2');
  await page.getByTestId('field-warmupSteps').fill('0');
  await page.getByTestId('field-validateEvery').fill('1');
  await expect(page.getByTestId('note-batchSize')).toContainText(`Start will use batch ${train}`);
  await trainOneStepThenStop(page);
  await expect(page.getByTestId('train-note')).toHaveText(new RegExp(`Batch lowered from 64 to ${train}: the training split has ${train} examples`));
  // live probes: measured after the step-1 validation on held-out scenes, shown per step
  await expect(page.getByTestId('live-probe-row').first()).toBeVisible();
  const swapObj = await page.getByTestId('probe-swapObj').first().textContent();
  expect(swapObj).toMatch(/^\d+ %$/);
  // what the user typed survives a reload and a model load; the recipe comes back on request
  await page.reload();
  await loadBundledModel(page);
  await tab(page, 'train');
  await expect(page.getByTestId('field-batchSize')).toHaveValue('64');
  await page.getByTestId('use-recipe').click();
  await expect(page.getByTestId('field-batchSize')).toHaveValue('16');
  await expect(page.getByTestId('field-steps')).toHaveValue('60');
  await expect(page.getByTestId('use-recipe')).toHaveCount(0);
});
