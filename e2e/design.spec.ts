// Visual design check: every screen with real content (bundled model, synthetic data, a
// 2-step run, an embedded gallery, probe results) → axe finds no serious/critical violation
// (light and dark, wide and narrow), nothing overflows the 390 px viewport sideways, and
// screenshots land in test-results/screens/<screen>-<width>[-dark].png for a human to look at.
import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { loadBundledModel, loadSynthetic, state, tab, waitState } from './helpers.ts';

const SCREENS = ['model', 'data', 'train', 'retrieve', 'probes', 'storage'] as const;
const SIZES = [
  { width: 1440, height: 900 },
  { width: 390, height: 844 },
] as const;

/** axe on what is visible now; returns "rule (impact): target …" lines for serious/critical. */
async function axeProblems(page: Page): Promise<string[]> {
  const r = await new AxeBuilder({ page }).analyze();
  return r.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id} (${v.impact}): ${n.target.join(' ')} — ${n.failureSummary?.replace(/\s+/g, ' ')}`));
}

/** In the page: '' when nothing sticks out sideways, else what does (elements inside a
 *  scrolling/clipping box are left out of the list: they may stick out of their box). */
function sideways(): string {
  const w = document.documentElement.clientWidth;
  const sw = document.documentElement.scrollWidth;
  if (sw <= w) return '';
  const clipped = (e: Element) => {
    for (let a = e.parentElement; a && a !== document.body; a = a.parentElement) if (getComputedStyle(a).overflowX !== 'visible') return true;
    return false;
  };
  const out = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > w + 0.5 && !clipped(e));
  const name = (e: Element) => `${e.tagName.toLowerCase()}${[...e.classList].map((c) => `.${c}`).join('')} (right ${Math.round(e.getBoundingClientRect().right)})`;
  return `scrollWidth ${sw} > ${w}; ${out.slice(-5).map(name).join(', ')}`;
}

/** Fills every screen: model, 8 synthetic scenes, a 2-step run, an embedded gallery, probes. */
async function fillScreens(page: Page) {
  await loadBundledModel(page);
  await loadSynthetic(page, 8);

  await tab(page, 'train');
  for (const [k, v] of Object.entries({ steps: '2', batchSize: '4', chunkSize: '4', warmupSteps: '0', checkpointEvery: '1', validateEvery: '1' }))
    await page.getByTestId(`field-${k}`).fill(v);
  await page.getByTestId('start').click();
  await waitState(page, (s) => s.train.state === 'stopped' || s.train.state === 'error', 150_000);
  expect(await state(page, (s) => s.train.error ?? null)).toBeNull();
  const runId = (await state(page, (s) => s.train.runId))!;

  await tab(page, 'retrieve');
  await page.getByTestId('add-synthetic').click();
  await page.getByTestId('embed-gallery').click();
  await expect(page.getByTestId('embed-status')).toHaveText('ready', { timeout: 120_000 });
  await page.getByTestId('gallery-item').first().locator('img').click();
  await expect(page.getByTestId('caption-hits')).toBeVisible();
  await page.getByTestId('text-query').fill('a red cube');
  await page.getByTestId('search').click();
  await expect(page.getByTestId('text-hit').first()).toBeVisible();

  await tab(page, 'probes');
  await page.getByTestId('probes-count').fill('8');
  await page.getByTestId('probes-run').click();
  await expect(page.getByTestId('probes-status')).toHaveText('ready', { timeout: 150_000 });
  await expect(page.getByTestId('heatmap')).toHaveAttribute('data-drawn', 'heat', { timeout: 60_000 });
  await tab(page, 'storage');
  await page.getByTestId('storage-refresh').click();
  await expect(page.getByTestId('storage-runs')).toContainText(runId);
}

test('every screen: no serious/critical axe violations, fits 390 px, screenshots light and dark', async ({ page }) => {
  await page.goto('/');
  await fillScreens(page);
  const problems: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const size of SIZES) {
      await page.setViewportSize(size);
      for (const screen of SCREENS) {
        await tab(page, screen);
        await expect(page.getByTestId(`panel-${screen}`)).toBeVisible();
        const where = `${screen} ${size.width}px ${scheme}`;
        for (const p of await axeProblems(page)) problems.push(`${where}: ${p}`);
        // Nothing pushes the page sideways (tables and galleries scroll inside their cards).
        const overflow = await page.evaluate(sideways);
        if (overflow) problems.push(`${where}: page is wider than the viewport: ${overflow}`);
        await page.screenshot({ path: `test-results/screens/${screen}-${size.width}${scheme === 'dark' ? '-dark' : ''}.png`, fullPage: true });
      }
    }
  }
  expect(problems, problems.join('\n')).toEqual([]);
});
