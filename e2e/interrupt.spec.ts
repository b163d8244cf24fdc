// A tab reloaded or closed while a training step is running (issue 16 item 7): the worker
// dies mid-step; on the same profile the run is offered for resume and continues from its
// last checkpoint EXACTLY — the losses of the resumed steps equal those of an uninterrupted
// run with the same settings (same seed → same LoRA init and data order).
import { expect, test, type Page } from '@playwright/test';
import { loadBundledModel, loadSynthetic, state, tab, waitState } from './helpers.ts';

test.describe.configure({ timeout: 420_000 });

const STEPS = 6;
const FORM = { steps: String(STEPS), batchSize: '4', chunkSize: '4', warmupSteps: '0', validateEvery: '0', checkpointEvery: '1', lr: '3e-3', seed: '11', 'lora.rank': '2', 'lora.alpha': '2' };

async function setup(page: Page): Promise<void> {
  await page.goto('/');
  await loadBundledModel(page, 'tiny-random');
  await loadSynthetic(page, 8);
  await tab(page, 'train');
}

async function startAndInterrupt(page: Page): Promise<string> {
  for (const [k, v] of Object.entries(FORM)) await page.getByTestId(`field-${k}`).fill(v);
  await page.getByTestId('start').click();
  // at least 2 checkpoints written and the run still going: the next step is in flight
  await waitState(page, (s) => s.train.state === 'running' && s.train.runs.some((r) => r.runId === s.train.runId && r.entries.length >= 2));
  const runId = (await state(page, (s) => s.train.runId))!;
  expect(await state(page, (s) => s.train.state)).toBe('running');
  return runId;
}

async function resumeToEnd(page: Page, runId: string): Promise<{ from: number; losses: number[] }> {
  await setup(page);
  const resume = page.getByTestId('resume-last');
  await expect(resume).toHaveText(`Resume run ${runId}`);
  await resume.click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error', 240_000);
  expect(await state(page, (s) => [s.train.error ?? null, s.train.step])).toEqual([null, STEPS]);
  const from = (await state(page, (s) => s.train.resumedFrom))!;
  expect(from).toBeGreaterThanOrEqual(2);
  const series = await state(page, (s) => ({ step: s.train.series.step, loss: s.train.series.loss }));
  expect(series.step).toEqual([1, 2, 3, 4, 5, 6]);
  return { from, losses: series.loss };
}

test('reload and page close mid-step: the run resumes on the same profile and matches an uninterrupted run', async ({ page, context }) => {
  // The reference: the same settings, never interrupted.
  await setup(page);
  for (const [k, v] of Object.entries(FORM)) await page.getByTestId(`field-${k}`).fill(v);
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error', 240_000);
  const reference = await state(page, (s) => s.train.series.loss);
  expect(reference).toHaveLength(STEPS);

  // 1. Reload while a step runs.
  const r1 = await startAndInterrupt(page);
  await page.reload();
  const a = await resumeToEnd(page, r1);
  for (let i = a.from; i < STEPS; i++) expect(a.losses[i], `reload: step ${i + 1}`).toBeCloseTo(reference[i], 5);

  // 2. Close the tab while a step runs; a new tab of the same profile resumes it.
  const r2 = await startAndInterrupt(page);
  await page.close();
  const next = await context.newPage();
  const b = await resumeToEnd(next, r2);
  for (let i = b.from; i < STEPS; i++) expect(b.losses[i], `close: step ${i + 1}`).toBeCloseTo(reference[i], 5);
  console.log(`interrupt: reference ${reference.map((x) => x.toFixed(6)).join(' ')}; reload resumed at ${a.from}, close resumed at ${b.from}`);
});
