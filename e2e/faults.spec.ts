// Fault cases of a training run, end to end (issue 16 item 7), on the Train screen:
//  * lr 1e4 makes the loss jump: a warning names the step and the ratio, the run completes;
//  * lr 1e8 (the config's upper bound) really drives the run to NaN/Inf: the run stops with
//    a NonFiniteLossError naming the last good checkpoint, that checkpoint stays listed, and a
//    new run with a sane lr starts and completes on the same page.
import { expect, test, type Page } from '@playwright/test';
import type { BundledModelName } from '../src/protocol/messages.ts';
import { loadBundledModel, loadSynthetic, state, tab, waitState } from './helpers.ts';

async function setup(page: Page, model: BundledModelName): Promise<void> {
  await page.goto('/');
  await loadBundledModel(page, model);
  await loadSynthetic(page, 8);
  await tab(page, 'train');
}

async function fill(page: Page, fields: Record<string, string>): Promise<void> {
  for (const [k, v] of Object.entries(fields)) await page.getByTestId(`field-${k}`).fill(v);
}

const small = { batchSize: '4', chunkSize: '4', warmupSteps: '0', validateEvery: '0', 'lora.rank': '2', 'lora.alpha': '2' };

test('lr 1e4: the loss-rise warning is shown and the run completes', async ({ page }) => {
  await setup(page, 'discern-tiny'); // v1, as before v2 shipped (its losses at lr 1e4: 1.86, 9.54, 7.49 on 2026-12-07)
  await fill(page, { ...small, steps: '3', lr: '1e4', checkpointEvery: '0' });
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error');
  await expect(page.getByTestId('train-state')).toHaveText('stopped');
  console.log(`lr 1e4 losses: ${(await state(page, (s) => s.train.series.loss)).join(', ')}`);
  const w = page.getByTestId('train-warning');
  await expect(w).toHaveCount(1);
  await expect(w).toHaveAttribute('data-kind', 'loss-rise');
  await expect(w).toContainText(/Warning at step 3.*loss rose sharply: .* at step 3 is \d+\.\d× the median/);
});

test('lr 1e8 diverges: clear error, the last good checkpoint stays listed, a new run works', async ({ page }) => {
  await setup(page, 'tiny-random');
  await fill(page, { ...small, steps: '6', lr: '1e8', checkpointEvery: '1' });
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error');
  const err = page.getByTestId('train-error');
  await expect(err).toContainText('NonFiniteLossError');
  await expect(err).toContainText(/diverged at step \d+: NaN\/Inf/);
  const good = await state(page, (s) => s.train.step);
  await expect(err).toContainText(new RegExp(`Last good checkpoint: step ${good}\\.`));
  const runId = (await state(page, (s) => s.train.runId))!;
  const run = page.getByTestId(`run-${runId}`);
  await expect(run.locator('tbody tr td:first-child').last()).toHaveText(new RegExp(`^${good}`));
  await expect(page.getByTestId(`resume-${runId}`)).toBeVisible(); // resumable from there

  await fill(page, { steps: '2', lr: '1e-3' });
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.runId !== null && s.train.state === 'stopped');
  await expect(page.getByTestId('train-error')).toHaveCount(0);
  await expect(page.getByTestId('train-message')).toContainText('completed 2 steps');
  expect(await state(page, (s) => s.train.runId)).not.toBe(runId);
});

test('GPU device lost mid-run: the app says so, offers resume, and the run resumes on a new device', async ({ page }) => {
  await setup(page, 'tiny-random');
  await fill(page, { ...small, steps: '200', lr: '1e-3', checkpointEvery: '1' });
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.runs.some((r) => r.entries.length >= 2));
  const runId = (await state(page, (s) => s.train.runId))!;
  await page.evaluate(() => window.__discern!.loseDevice());
  await waitState(page, (s) => s.train.state === 'error');
  await expect(page.getByTestId('fatal')).toContainText('GpuDeviceLostError: The GPU device was lost');
  await expect(page.getByTestId('train-error')).toContainText('GpuDeviceLostError');
  await expect(page.getByTestId('train-error')).toContainText('resume from the last checkpoint');
  const resume = page.getByTestId('resume-last');
  await expect(resume).toBeVisible();
  await resume.click();
  await waitState(page, (s) => s.train.state === 'running' && s.train.resumedFrom !== null);
  const from = (await state(page, (s) => s.train.resumedFrom))!;
  expect(from).toBeGreaterThanOrEqual(2);
  expect(await state(page, (s) => s.train.runId)).toBe(runId);
  await expect(page.getByTestId('fatal')).toHaveCount(0); // recovered: the banner goes
  await waitState(page, (s) => s.train.step >= s.train.resumedFrom! + 2);
  await page.getByTestId('stop').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error');
  await expect(page.getByTestId('train-state')).toHaveText('stopped');
});
