// Silent acceptance, end to end: a Latin-1 captions CSV with a repeated image loads, the Data
// screen lists a warning naming the file and line (read as Windows-1252, "é" kept) and the
// skipped repeat naming the row it repeats; the preview shows the captions decoded the same way.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { dropFiles, loadBundledModel, state, tab, waitState } from './helpers.ts';

const FIXTURES = 'e2e/fixtures/data';

test('a Latin-1 CSV with a repeated image: warning and skipped row, both named', async ({ page }) => {
  const dir = mkdtempSync(join(tmpdir(), 'discern-latin1-'));
  const csv = 'image,caption\nred_cube.png,a red cube\nblue_ball.png,une balle bleue sur un pré\ngreen_triangle.png,a green triangle\nred_cube.png,a red cube again\n';
  writeFileSync(join(dir, 'captions.csv'), Buffer.from(csv, 'latin1'));
  await page.goto('/');
  await loadBundledModel(page, 'tiny-random');
  await tab(page, 'data');
  const images = ['red_cube.png', 'blue_ball.png', 'green_triangle.png'].map((f) => `${FIXTURES}/images/${f}`);
  await dropFiles(page, '[data-testid=data-dropzone]', [join(dir, 'captions.csv'), ...images]);
  await page.getByTestId('load-files').click();
  await waitState(page, (s) => s.data.status === 'ready' || s.data.status === 'error');
  expect(await state(page, (s) => s.data.error ?? null)).toBeNull();
  const warnings = page.getByTestId('data-warnings');
  await expect(warnings).toContainText('captions.csv:3');
  await expect(warnings).toContainText('Windows-1252');
  const problems = page.getByTestId('problems');
  await expect(problems).toContainText('line 5');
  await expect(problems).toContainText('already the example of captions.csv:2');
  await expect(page.getByTestId('count-split')).toContainText('3 /');
  // The preview (built by the worker's preview-data) decodes the file as load-data does.
  const preview = page.getByTestId('preview-grid');
  await expect(preview.locator('figcaption')).toHaveText(['a red cube', 'une balle bleue sur un pré', 'a green triangle', 'a red cube again']);
});
