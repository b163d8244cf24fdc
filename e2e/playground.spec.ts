// The playground end to end on SwiftShader WebGPU: bundled model → synthetic data → a short
// run (batch 4, checkpoint every step) with live charts → reload → resume the run from its
// saved step → export the adapter (3 PEFT files); bad files → the problems report names them;
// a refused configuration → reasons next to the fields and no run started.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Download } from '@playwright/test';
import { LIVE_PROBE_SCENES } from '../src/protocol/training.ts';
import { winogroundPairsFor } from '../src/shared/eval.ts';
import { dropFiles, loadBundledModel, loadSynthetic, screenshot, state, tab, waitState } from './helpers.ts';

const FIXTURES = 'e2e/fixtures/data';

async function fill(page: import('@playwright/test').Page, values: Record<string, string>) {
  for (const [k, v] of Object.entries(values)) await page.getByTestId(`field-${k}`).fill(v);
}

test('train a few steps, reload, resume from the saved step, export the adapter', async ({ page }) => {
  await page.goto('/');
  await loadBundledModel(page);
  await expect(page.getByTestId('model-info')).toContainText('Tokens per image');
  await expect(page.getByTestId('model-load-seconds')).toHaveText(/^\d+\.\d s$/); // the load's own time, shown to the user
  await expect(page.getByTestId('device-summary')).toBeVisible();
  await screenshot(page, 'model');

  await loadSynthetic(page, 8);
  await expect(page.getByTestId('count-split')).toHaveText('8 / 4');
  await expect(page.getByTestId('preview-grid').locator('img')).toHaveCount(8);
  await screenshot(page, 'data');

  await tab(page, 'train');
  await fill(page, { steps: '5', batchSize: '4', chunkSize: '4', warmupSteps: '0', checkpointEvery: '1', validateEvery: '2', 'lora.rank': '4', 'lora.alpha': '8' });
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.series.step.length >= 1 || s.train.state === 'error', 150_000);
  await page.getByTestId('pause').click();
  await waitState(page, (s) => s.train.state === 'paused' || s.train.state === 'error');
  await expect(page.getByTestId('train-state')).toHaveText('paused');
  await page.getByTestId('resume').click();
  await waitState(page, (s) => s.train.series.step.length >= 2 || s.train.state === 'error', 150_000);
  await page.getByTestId('stop').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error');
  expect(await state(page, (s) => s.train.error ?? null)).toBeNull();
  const runId = (await state(page, (s) => s.train.runId))!;
  const stoppedAt = await state(page, (s) => s.train.step);
  expect(stoppedAt).toBeGreaterThanOrEqual(2);
  // Every step is plotted; the chart element reports its point count.
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', String(stoppedAt));
  expect(await state(page, (s) => s.train.series.loss.every(Number.isFinite))).toBe(true);
  await expect(page.getByTestId(`run-${runId}`)).toContainText(String(stoppedAt));
  await screenshot(page, 'train');

  // Reload: the UI choices survive (synthetic count, form), the run is offered for resume.
  await page.reload();
  await loadBundledModel(page);
  await tab(page, 'data');
  await expect(page.getByTestId('synthetic-count')).toHaveValue('8');
  await page.getByTestId('use-synthetic').click();
  await waitState(page, (s) => s.data.status === 'ready');
  await expect(page.getByTestId('count-cache')).toContainText('12 hits'); // features from IndexedDB
  await tab(page, 'train');
  await expect(page.getByTestId('field-steps')).toHaveValue('5');
  // The run's per-step history came back with the page (charts show it before resuming).
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', String(stoppedAt));
  const resume = page.getByTestId('resume-last');
  await expect(resume).toHaveText(`Resume run ${runId}`);
  await resume.click();
  await waitState(page, (s) => s.train.resumedFrom !== null || s.train.state === 'error');
  expect(await state(page, (s) => s.train.resumedFrom)).toBe(stoppedAt);
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error', 150_000);
  expect(await state(page, (s) => [s.train.state, s.train.step, s.train.message])).toEqual(['stopped', 5, expect.stringMatching(/complete/i)]);
  // Whole history, each step once: 1…stoppedAt from before the reload, then stoppedAt+1…5.
  expect(await state(page, (s) => s.train.series.step)).toEqual([1, 2, 3, 4, 5]);
  await expect(page.getByTestId('chart-loss')).toHaveAttribute('data-points', '5');
  await expect(page.getByTestId('validation')).toBeVisible();
  // A finished run is marked as such and no longer offered for resume.
  await expect(page.getByTestId(`finished-${runId}`)).toHaveText('finished (5 steps)');
  await expect(page.getByTestId(`resume-${runId}`)).toHaveCount(0);
  await expect(page.getByTestId('resume-last')).toHaveCount(0);

  // Export: three downloads with the PEFT names.
  const downloads: Download[] = [];
  page.on('download', (d) => downloads.push(d));
  await page.getByTestId('export-adapter').click();
  await expect(page.getByTestId('export-note')).toContainText('adapter_config.json');
  await expect.poll(() => downloads.length).toBe(3);
  expect(downloads.map((d) => d.suggestedFilename()).sort()).toEqual(['adapter_config.json', 'adapter_model.safetensors', 'soft_prompts.safetensors']);
  // The downloaded files import back (load-adapter parses the PEFT config + safetensors).
  const dir = mkdtempSync(join(tmpdir(), 'discern-adapter-'));
  const paths = await Promise.all(downloads.map(async (d) => {
    const p = join(dir, d.suggestedFilename());
    await d.saveAs(p);
    return p;
  }));
  await page.getByTestId('import-adapter').setInputFiles(paths);
  await expect(page.getByTestId('import-note')).toContainText('rank 4');
  await screenshot(page, 'train-resumed');

  await tab(page, 'storage');
  await expect(page.getByTestId('storage-runs')).toContainText(runId);
  // The cache holds the run's 12 data images and the live probes' images (they are encoded
  // once per model at the first validation): LIVE_PROBE_SCENES test scenes + 2 per Winoground
  // pair (planSyntheticEval's winogroundPairsFor) = 16 + 8.
  const cached = String(12 + LIVE_PROBE_SCENES + 2 * winogroundPairsFor(LIVE_PROBE_SCENES));
  await expect(page.getByTestId('feature-count')).toHaveText(cached);
  await screenshot(page, 'storage');
  await page.getByTestId('clear-features').click();
  await expect(page.getByTestId('feature-count')).toHaveText('0');
  await expect(page.getByTestId('storage-note')).toContainText(`Cleared ${cached} cached feature rows`);
  await page.getByTestId(`delete-run-${runId}`).click();
  await expect(page.getByTestId('storage-note')).toContainText(/Cleared \d+ checkpoints/);
  await expect(page.getByTestId('storage-runs')).not.toContainText(runId);
  await tab(page, 'train');
  await expect(page.getByTestId('no-runs')).toBeVisible();
});

test('dropped bad files are reported; a refused configuration starts no run', async ({ page }) => {
  await page.goto('/');
  // The model from a local folder (webkitdirectory picker) this time.
  await tab(page, 'model');
  await page.getByTestId('model-folder').setInputFiles('public/models/tiny-random');
  await page.getByTestId('load-model').click();
  await waitState(page, (s) => s.model.status === 'ready' || s.model.status === 'error');
  expect(await state(page, (s) => s.model.error ?? null)).toBeNull();
  await expect(page.getByTestId('model-info')).toContainText('64');
  await tab(page, 'data');
  const images = ['red_cube.png', 'blue_ball.png', 'green_triangle.png', 'corrupt.png'].map((f) => `${FIXTURES}/images/${f}`);
  await dropFiles(page, '[data-testid=data-dropzone]', [`${FIXTURES}/captions.jsonl`, ...images]);
  await expect(page.getByTestId('data-dropzone')).toContainText('5 file(s) chosen');
  await page.getByTestId('load-files').click();
  await waitState(page, (s) => s.data.status === 'ready' || s.data.status === 'error');
  const report = page.getByTestId('problems');
  await expect(report).toContainText('captions.jsonl');
  await expect(report).toContainText('corrupt.png');
  await expect(report).toContainText('line 3'); // the truncated JSON row
  await expect(report).toContainText('missing.png');
  await screenshot(page, 'data-problems');

  // the dropped files survive a reload (IndexedDB) and load again with the same report
  await page.reload();
  await loadBundledModel(page);
  await tab(page, 'data');
  await expect(page.getByTestId('files-restored')).toBeVisible();
  await expect(page.getByTestId('data-dropzone')).toContainText('5 file(s)');
  await page.getByTestId('load-files').click();
  await waitState(page, (s) => s.data.status === 'ready' || s.data.status === 'error');
  await expect(page.getByTestId('problems')).toContainText('corrupt.png');
  await expect(page.getByTestId('problems')).toContainText('missing.png');
  await tab(page, 'storage');
  await expect(page.getByTestId('dataset-count')).toHaveText('5');
  await page.getByTestId('clear-datasets').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('0');

  await loadSynthetic(page, 4);
  await tab(page, 'train');
  await fill(page, { batchSize: '1', lr: '-1' });
  await page.getByTestId('start').click();
  await expect(page.getByTestId('error-batchSize')).toContainText('in-batch negatives');
  await expect(page.getByTestId('error-lr')).toContainText('> 0');
  expect(await state(page, (s) => [s.train.state, s.train.runId])).toEqual(['idle', null]);
  await expect(page.getByTestId('no-runs')).toBeVisible();
  await screenshot(page, 'train-refused');
});
