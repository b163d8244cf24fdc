// Pure parts of `npm run evidence`: the command line, the benchmark plan (held-out only, row
// bookkeeping, scoring of hand-made embeddings, the CLIP's data order), the fair CLIP's budget
// from pretraining logs, the aggregation over seeds (mean ± sample sd, paired differences),
// the claim verdicts (hand-computed cases that a wrong formula fails), the CLIP lr choice,
// and the Markdown / JSON documents (+ --resume-from).
import { describe, expect, test } from 'vitest';
import { generateSynthetic } from '../../src/engine/data/synthetic/generate.ts';
import type { EvalReport } from '../../src/engine/eval/synthetic_eval.ts';
import { commandLine, DEFAULTS, parseEvidenceArgs } from './args.ts';
import { clipBudget, planClip, pretrainBudget } from './budget.ts';
import { documentsFromJson, evidenceJson, evidenceMarkdown, readResume, type RunMeta } from './doc.ts';
import { clipBatches, planEvidence } from './plan.ts';
import { ROW_IDS, type ClipSweepRun, type EvidenceRun, type RowId } from './rows.ts';
import { aggregate, checkClaims, chooseLr, COLUMNS, flatten, formatTable, markdownTable, meanSd, pairedDiffs, sweepScore, tCrit95 } from './table.ts';

const ds = generateSynthetic({ seed: 3, train: 12, val: 4, test: 10, winoground: 3 });

describe('args', () => {
  test('defaults, --quick, overrides, and the reproducing command', () => {
    expect(parseEvidenceArgs([])).toEqual({ ...DEFAULTS, rows: [...ROW_IDS] });
    expect(parseEvidenceArgs([]).seeds).toEqual([0, 1, 2]);
    expect(parseEvidenceArgs(['--quick']).seeds).toEqual([0, 1]);
    expect(parseEvidenceArgs(['--quick']).rows).toEqual(['zero-shot', 'vladva', 'no-next-token', 'clip']);
    expect(commandLine(parseEvidenceArgs(['--quick', '--rows', ROW_IDS.join(',')]))).toBe(`npm run evidence -- --quick --rows ${ROW_IDS.join(',')}`);
    const c = parseEvidenceArgs(['--seeds', '3,7', '--clip-lrs', '1e-3,2e-3', '--clip-captions', 'both', '--clip-max-examples', '64', '--resume-from', 'docs/evidence.json']);
    expect(c).toMatchObject({ seeds: [3, 7], clipLrs: [1e-3, 2e-3], clipCaptions: 'both', clipMaxExamples: 64, resumeFrom: 'docs/evidence.json' });
    expect(commandLine(c)).toBe('npm run evidence -- --resume-from docs/evidence.json --seeds 3,7 --clip-lrs 0.001,0.002 --clip-captions both --clip-max-examples 64');
    const q = parseEvidenceArgs(['--quick', '--model', 'public/models/tiny-random', '--out-dir', '/tmp/x', '--rows', 'clip,zero-shot']);
    expect(q).toMatchObject({ quick: true, steps: 2, model: 'public/models/tiny-random', outDir: '/tmp/x', rows: ['zero-shot', 'clip'] });
    expect(parseEvidenceArgs(['--quick', '--steps', '3']).steps).toBe(3);
    expect(commandLine(parseEvidenceArgs([]))).toBe('npm run evidence');
    expect(commandLine(parseEvidenceArgs(['--steps', '7', '--quick']))).toBe('npm run evidence -- --quick --steps 7');
  });
  test.each([
    [['--steps', '0'], /--steps needs a positive integer, got 0/],
    [['--lr', '-1'], /--lr needs a number > 0/],
    [['--rows', 'vladva,bogus'], /--rows takes a comma-separated list/],
    [['--batch', '1'], /--batch must be ≥ 2/],
    [['--train', '4', '--batch', '8'], /--train \(4\) must be at least --batch \(8\)/],
    [['--warmup', '9', '--steps', '4'], /--warmup \(9\) must not exceed --steps \(4\)/],
    [['--val', '1'], /--val must be 0 or ≥ 2/],
    [['--model'], /--model needs a directory/],
    [['--bogus'], /unknown argument --bogus/],
    [['--seeds', '0,0'], /--seeds takes a comma-separated list of distinct values, each an integer ≥ 0/],
    [['--seeds', '0,-1'], /--seeds takes/],
    [['--clip-lrs', '0.1,x'], /--clip-lrs takes .* a number > 0/],
    [['--clip-captions', 'long'], /--clip-captions takes short or both/],
    [['--clip-sweep-fraction', '1.5'], /--clip-sweep-fraction needs a number in \(0, 1\]/],
    [['--val', '0'], /a CLIP lr sweep .* needs --val ≥ 2/],
    [['--clip-max-examples', '8', '--clip-batch', '16'], /--clip-max-examples \(8\) must be 0 \(no cap\) or at least --clip-batch \(16\)/],
    [['--resume-from'], /--resume-from needs a file/],
  ])('refuses %j', (argv, msg) => expect(() => parseEvidenceArgs(argv as string[])).toThrow(msg));
});

describe('plan', () => {
  const p = planEvidence(ds, { train: 6, val: 2, test: 5, wino: 2 });
  test('rows: train | val | test | winoground, evaluation only on test + winoground', () => {
    expect(p.scenes).toHaveLength(6 + 2 + 5 + 4);
    expect(p.train.map((e) => e.image)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(p.val.map((e) => e.image)).toEqual([6, 7]);
    expect(p.eval.imageRows).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16]);
    expect(p.eval.texts.slice(0, 5)).toEqual(ds.test.slice(0, 5).map((s) => s.caption));
    expect(p.scenes[8]).toBe(ds.test[0].scene);
    expect(p.scenes[13]).toBe(ds.winoground[0].scenes[0].scene);
    const negs = ds.test.slice(0, 5).reduce((n, s) => n + Object.keys(s.negatives).length, 0);
    expect(p.eval.probes).toHaveLength(negs);
    expect(p.eval.texts).toHaveLength(5 + negs + 4);
    const trainText = new Set([...ds.train, ...ds.val].map((s) => s.caption));
    expect(p.eval.texts.slice(0, 5).some((t) => trainText.has(t))).toBe(false);
  });
  test('scoring: perfect one-hot embeddings give R@1 = 1 and every probe right; a wrong-size table is refused', () => {
    const d = 32, nt = p.eval.texts.length, ni = p.eval.imageRows.length;
    const T = new Float32Array(nt * d), I = new Float32Array(ni * d);
    // image i and its caption share axis i; negatives and winoground captions get their own axes
    for (let i = 0; i < 5; i++) { I[i * d + i] = 1; T[i * d + i] = 1; }
    p.eval.probes.forEach((q, j) => (T[q.neg * d + 5 + (j % 10)] = 1));
    p.eval.wino.forEach((w, k) => {
      for (const c of [0, 1]) { const ax = 20 + 2 * k + c; I[w.imgs[c] * d + ax] = 1; T[w.caps[c] * d + ax] = 1; }
    });
    const r = p.score(T, I, d);
    expect(r.retrieval.textToImage[1]).toBe(1);
    expect(r.retrieval.imageToText[1]).toBe(1);
    expect(Object.values(r.sugarcrepe.perCategory).every((c) => c!.accuracy === 1)).toBe(true);
    expect(r.winoground).toEqual({ text: 1, image: 1, group: 1, n: 2 });
    expect(() => p.score(T.subarray(d), I, d)).toThrow(/want text/);
  });
  test('refuses sizes beyond the benchmark', () => {
    expect(() => planEvidence(ds, { train: 13, val: 0, test: 1, wino: 1 })).toThrow(/train = 13 must be an integer in 1…12/);
  });
});

/** A report whose every accuracy is `acc` over `n` items. */
function report(acc: number, n = 400, over: Partial<Record<string, number>> = {}): EvalReport {
  const cats = ['replace-obj', 'replace-att', 'replace-rel', 'swap-obj', 'swap-att', 'add-obj', 'add-att'];
  const at = (k: string) => over[k] ?? acc;
  return {
    retrieval: { textToImage: { 1: at('t2i@1'), 5: at('t2i@5'), 10: at('t2i@10') }, imageToText: { 1: at('i2t@1'), 5: at('i2t@5'), 10: at('i2t@10') }, images: n, texts: n },
    sugarcrepe: { perCategory: Object.fromEntries(cats.map((c) => [c, { correct: Math.round(at(c) * n), total: n, accuracy: at(c) }])), macro: acc },
    winoground: { text: at('wino-text'), image: at('wino-image'), group: at('wino-group'), n },
  };
}

describe('table', () => {
  test('16 columns: retrieval both ways, the seven categories, Winoground; a row flattens to them', () => {
    expect(COLUMNS).toHaveLength(16);
    const f = flatten(report(0.5, 10, { 't2i@5': 0.7, 'swap-att': 0.25, 'wino-group': 0.1 }));
    expect(Object.keys(f)).toEqual(COLUMNS.map((c) => c.key));
    expect([f['t2i@5'], f['swap-att'], f['wino-group'], f['i2t@10']]).toEqual([0.7, 0.25, 0.1, 0.5]);
  });
  test('terminal and Markdown tables: one line per row, percentages, n/a for a category without items', () => {
    const r = report(0.5);
    delete r.sugarcrepe.perCategory['add-att'];
    // clip over two seeds: 0.125 and 0.175 → mean 15.0, sample sd √((2.5² + 2.5²)/1) = 3.5 (population sd would be 2.5)
    const rows = [{ id: 'clip' as RowId, seed: 1, report: report(0.175) }, { id: 'zero-shot' as RowId, seed: null, report: r }, { id: 'clip' as RowId, seed: 0, report: report(0.125) }];
    const t = formatTable(rows).split('\n');
    expect(t).toHaveLength(4);
    expect(t[0]).toMatch(/^row\s+n\s+T→I@1\s+T→I@5 .* W-group$/);
    expect(t[2]).toMatch(/^zero-shot\s+1\s+50\.0 .* n\/a\s+50\.0\s+50\.0\s+50\.0$/);
    expect(t[3]).toMatch(/^clip\s+2\s+15\.0±3\.5\s/);
    const md = markdownTable(rows).split('\n');
    expect(md[1]).toBe(`|---|---:|${'---:|'.repeat(16)}`);
    expect(md[2]).toMatch(/^\| zero-shot prompting \(base LVLM\) \| 1 \| 50\.0 \|/);
    expect(md[3]).toMatch(/^\| CLIP-style dual encoder from scratch \| 2 \| 15\.0 ± 3\.5 \|/);
  });
});

describe('aggregation', () => {
  test('meanSd: sample standard deviation (n − 1), finite values only, NaN sd below two values', () => {
    const s = meanSd([1, 2, 3, 4]);
    expect(s.mean).toBe(2.5);
    expect(s.sd).toBeCloseTo(Math.sqrt(5 / 3), 12); // 1.291; the population formula would give 1.118
    expect(s.n).toBe(4);
    expect(meanSd([NaN, 2, 4])).toEqual({ mean: 3, sd: Math.SQRT2, n: 2 });
    const one = meanSd([5]);
    expect([one.mean, Number.isNaN(one.sd), one.n]).toEqual([5, true, 1]);
    expect(meanSd([]).n).toBe(0);
  });
  test('pairedDiffs: a − b over the seeds both have, sorted', () => {
    expect(pairedDiffs(new Map([[2, 30], [0, 10], [1, 20]]), new Map([[1, 15], [2, 20], [3, 0]]))).toEqual({ seeds: [1, 2], diffs: [5, 10] });
  });
  test('aggregate: one entry per row in table order, seeds sorted, per-seed metrics kept', () => {
    const agg = aggregate([
      { id: 'vladva', seed: 2, report: report(0.3) }, { id: 'zero-shot', seed: null, report: report(0.1) }, { id: 'vladva', seed: 0, report: report(0.5) },
    ]);
    expect(agg.map((a) => [a.id, a.seeds])).toEqual([['zero-shot', [null]], ['vladva', [0, 2]]]);
    expect(agg[1].perSeed.map((f) => f['swap-obj'])).toEqual([0.5, 0.3]);
    expect(agg[1].stats['t2i@1'].mean).toBeCloseTo(0.4, 12);
    expect(agg[1].stats['t2i@1'].sd).toBeCloseTo(Math.SQRT2 * 0.1, 12);
  });
});

describe('claims', () => {
  type R = [RowId, number | null, number, Partial<Record<string, number>>?];
  const rows = (xs: R[]) => xs.map(([id, seed, acc, over]) => ({ id, seed, report: report(acc, 400, over) }));
  const seeds = (id: RowId, accs: number[], over: (a: number) => Partial<Record<string, number>> = () => ({})): R[] => accs.map((a, s) => [id, s, a, over(a)]);
  const verdicts = (xs: R[]) => checkClaims(rows(xs)).map((c) => c.verdict);

  test('(a) tuning ≫ prompting: ≥ 5 points, ≥ 2×, margin > 2 sd of the per-seed gains', () => {
    const zero: R = ['zero-shot', null, 0.02];
    // gains 18, 20, 22 → mean 20, sd 2: wide and 20 > 4
    let c = checkClaims(rows([zero, ...seeds('vladva', [0.2, 0.22, 0.24])]))[0];
    expect(c.verdict).toBe('supported');
    expect(c.stats.retrieval.mean).toBeCloseTo(20, 9);
    expect(c.stats.retrieval.sd).toBeCloseTo(2, 9);
    expect(c.diffs.retrieval.map((x) => Math.round(x * 1e6) / 1e6)).toEqual([18, 20, 22]);
    expect(c.text).toMatch(/\+20\.0 ± 2\.0 points over 3 seeds/);
    // gains 1, 2, 3 → mean 2 + 2 sd = 4 < 5: not wide even at the spread's top
    expect(verdicts([zero, ...seeds('vladva', [0.03, 0.04, 0.05])])[0]).toBe('not supported');
    // gains 8, 28, 48 → mean 28, sd 20: 28 ≤ 40, wide on average but not beyond the spread
    expect(verdicts([zero, ...seeds('vladva', [0.1, 0.3, 0.5])])[0]).toBe('inconclusive');
    // one seed: no spread
    c = checkClaims(rows([zero, ['vladva', 0, 0.5]]))[0];
    expect(c.verdict).toBe('inconclusive');
    expect(c.text).toMatch(/Only 1 paired seed/);
  });

  test('(b) next-token loss: paired by seed, mean − sd of the paired differences > 0', () => {
    // paired differences 2, 2, 2 points (sd 0) although each row varies by 10 points across seeds:
    // supported when paired; an unpaired comparison (sd ≈ 10) would call it inconclusive
    let c = checkClaims(rows([...seeds('vladva', [0.6, 0.7, 0.5]), ...seeds('no-next-token', [0.58, 0.68, 0.48])]))[1];
    expect(c.verdict).toBe('supported');
    expect(c.stats.compositional.mean).toBeCloseTo(2, 9);
    expect(c.stats.compositional.sd).toBeCloseTo(0, 9);
    // 2, 4, 6 → mean 4, sd 2; t = 4 / (2/√3) = 3.46 > t₀.₉₅(2) = 2.92
    c = checkClaims(rows([...seeds('vladva', [0.6, 0.62, 0.64]), ...seeds('no-next-token', [0.58, 0.58, 0.58])]))[1];
    expect(c.verdict).toBe('supported');
    expect(c.stats.t.mean).toBeCloseTo(4 / (2 / Math.sqrt(3)), 6);
    expect(c.text).toMatch(/\+4\.0 ± 2\.0 points over 3 paired seeds.*t = 3\.46 vs 2\.92 \(passes\)/);
    // −2, −1, −3: no gain
    expect(verdicts([...seeds('vladva', [0.58, 0.59, 0.57]), ...seeds('no-next-token', [0.6, 0.6, 0.6])])[1]).toBe('not supported');
    // 1, −1, 3 → mean 1, sd 2: positive but within the spread
    expect(verdicts([...seeds('vladva', [0.61, 0.59, 0.63]), ...seeds('no-next-token', [0.6, 0.6, 0.6])])[1]).toBe('inconclusive');
    // pairing by seed: vladva has seeds 0–2, no-next-token only 1–2 → n = 2
    c = checkClaims(rows([...seeds('vladva', [0.9, 0.62, 0.64]), ['no-next-token', 1, 0.6], ['no-next-token', 2, 0.6]]))[1];
    expect(c.seeds).toEqual([1, 2]);
    expect(c.stats.compositional.mean).toBeCloseTo(3, 9);
    // the mean runs over the 7 categories + Winoground group only (retrieval columns do not count)
    c = checkClaims(rows([...seeds('vladva', [0.6, 0.6], () => ({ 'swap-obj': 0.76, 't2i@1': 0.99 })), ...seeds('no-next-token', [0.6, 0.6])]))[1];
    expect(c.stats.compositional.mean).toBeCloseTo(2, 9); // 16 points / 8 columns
    expect(tCrit95(2)).toBe(2.92);
  });

  test('(c) VladVA ≥ CLIP + 10 on swap-obj and swap-att, and above 75 %', () => {
    const swaps = (v: number) => ({ 'swap-obj': v, 'swap-att': v });
    // diffs 29, 30, 31 (mean 30, sd 1), VladVA 90 ± 1
    let c = checkClaims(rows([...seeds('vladva', [0.89, 0.9, 0.91], swaps), ...seeds('clip', [0.6, 0.6, 0.6], swaps)]))[2];
    expect(c.verdict).toBe('supported');
    expect(c.stats['swap-obj diff'].mean).toBeCloseTo(30, 9);
    expect(c.stats['swap-att vladva'].mean).toBeCloseTo(90, 9);
    // +5 points over CLIP: fails the +10
    expect(verdicts([...seeds('vladva', [0.79, 0.8, 0.81], swaps), ...seeds('clip', [0.75, 0.75, 0.75], swaps)])[2]).toBe('not supported');
    // +30 over CLIP but VladVA at 70 %: fails the 75 %
    expect(verdicts([...seeds('vladva', [0.69, 0.7, 0.71], swaps), ...seeds('clip', [0.4, 0.4, 0.4], swaps)])[2]).toBe('not supported');
    // diffs 8, 18, 28 (mean 18, sd 10): 8 < 10 ≤ 28 → undecided
    expect(verdicts([...seeds('vladva', [0.8, 0.9, 1], swaps), ...seeds('clip', [0.72, 0.72, 0.72], swaps)])[2]).toBe('inconclusive');
    // one category passes, the other fails → not supported
    c = checkClaims(rows([...seeds('vladva', [0.89, 0.9, 0.91], (v) => ({ 'swap-obj': v, 'swap-att': 0.6 })), ...seeds('clip', [0.6, 0.6, 0.6], swaps)]))[2];
    expect(c.verdict).toBe('not supported');
    expect(c.text).toMatch(/swap-obj: .*passes.*swap-att: .*fails/);
  });

  test('a missing row: not run', () => {
    const c = checkClaims(rows([['vladva', 0, 0.5]]));
    expect(c.map((x) => x.verdict)).toEqual(['not run', 'not run', 'not run']);
    expect(c[1].text).toMatch(/no-next-token were not run/);
  });
});

describe('fair CLIP budget', () => {
  const v1 = [
    { type: 'config', steps: 270, batch: 32, trainScenes: null, maxLongTokens: 64 },
    { type: 'step', step: 1 }, { type: 'step', step: 270 },
    { type: 'summary', steps: 270, batch: 32 },
  ].map((x) => JSON.stringify(x)).join('\n');
  const v2 = [
    { type: 'config', steps: 3000, batch: 32, trainScenes: null, maxLongTokens: 128, initFrom: 'public/models/v1' },
    { type: 'step', step: 1 }, { type: 'resume', fromStep: 1 }, { type: 'step', step: 2 }, { type: 'step', step: 3 },
  ].map((x) => JSON.stringify(x)).join('\n');
  const logs: Record<string, string> = { 'public/models/v1': v1, 'public/models/v2': v2 };
  const read = (f: string) => logs[f] ?? null;

  test('pretraining examples: this folder (in progress: the last step) + the folder it was --init-from (its summary)', () => {
    const b = pretrainBudget('public/models/v2', read);
    expect(b.legs.map((l) => [l.folder, l.steps, l.batch, l.examples, l.complete])).toEqual([
      ['public/models/v1', 270, 32, 8640, true], ['public/models/v2', 3, 32, 96, false]]);
    expect(b.examples).toBe(8736);
    expect(b.trainScenes).toBeNull();
    expect(b.maxLongTokens).toBe(128);
    expect(b.note).toMatch(/270 steps × 32 = 8640 examples \(public\/models\/v1\) \+ 3 steps × 32 = 96 examples \(public\/models\/v2, in progress\)/);
    const none = pretrainBudget('public/models/tiny-random', read);
    expect([none.examples, none.trainScenes, none.legs.length]).toEqual([0, 0, 0]);
    expect(none.note).toMatch(/no pretrain_log\.jsonl/);
    expect(() => pretrainBudget('a', (f) => JSON.stringify({ type: 'config', steps: 1, batch: 1, initFrom: f === 'a' ? 'b' : 'a' }))).toThrow(/cycle/);
  });

  test('CLIP steps: at least the LVLM examples (rounded up to whole batches), or capped', () => {
    expect(clipBudget(100, 10, 32, 0)).toEqual({ lvlmExamples: 110, pretrainExamples: 100, finetuneExamples: 10, steps: 4, batch: 32, examples: 128, capped: false });
    expect(clipBudget(100, 10, 4, 12)).toMatchObject({ steps: 3, examples: 12, capped: true });
    expect(clipBudget(0, 8, 4, 12)).toMatchObject({ steps: 2, examples: 8, capped: false });
  });

  test('CLIP plan: the pretraining split ∪ the fine-tuning split; sweep and warmup fractions; caption cut', () => {
    const a = { ...DEFAULTS, clipBatch: 32 };
    const { plan, budget } = planClip(a, pretrainBudget('public/models/v2', read), 8000);
    expect(budget.lvlmExamples).toBe(8736 + 960);
    expect(plan).toEqual({ scenes: 8000, batch: 32, steps: 303, warmup: 15, sweepSteps: 76, sweepWarmup: 4, maxTextTokens: 48 });
    expect(planClip({ ...a, clipCaptions: 'both' }, pretrainBudget('public/models/v2', read), 8000).plan.maxTextTokens).toBe(128);
    // no pretraining: the CLIP sees the fine-tuning split only
    expect(planClip(a, pretrainBudget('x', read), 8000).plan.scenes).toBe(960);
  });

  test('CLIP data order: short = every scene once per epoch; both = pretraining schedule (short and long per scene)', () => {
    const b = clipBatches('short', 6, 3, 4, 1);
    expect(b).toHaveLength(4);
    expect(b.slice(0, 2).flat().map((x) => x.scene).sort()).toEqual([0, 1, 2, 3, 4, 5]);
    expect(b.flat().every((x) => !x.long)).toBe(true);
    expect(clipBatches('short', 6, 3, 4, 2)).not.toEqual(b);
    const both = clipBatches('both', 3, 2, 3, 1).flat();
    expect(both.map((x) => `${x.scene}${x.long ? 'L' : 'S'}`).sort()).toEqual(['0L', '0S', '1L', '1S', '2L', '2S']);
  });

  test('lr choice on val: best mean R@1/5/10, ties and NaN → the earlier', () => {
    const v = (x: number) => ({ 't2i/R@1': x, 't2i/R@5': x, 't2i/R@10': x, 'i2t/R@1': x, 'i2t/R@5': x, 'i2t/R@10': 4 * x });
    expect(sweepScore(v(0.1))).toBeCloseTo(0.15, 12);
    const run = (lr: number, score: number): ClipSweepRun => ({ lr, score, steps: 1, validation: {}, finalLoss: 1, seconds: 1 });
    expect(chooseLr([run(1e-3, 0.2), run(3e-3, 0.3), run(1e-2, 0.3)])).toBe(3e-3);
    expect(chooseLr([run(1e-3, NaN), run(3e-3, 0.1)])).toBe(3e-3);
    expect(chooseLr([run(1e-3, 0.4), run(3e-3, NaN)])).toBe(1e-3);
  });
});

describe('documents', () => {
  const args = parseEvidenceArgs(['--quick']);
  const run: EvidenceRun = {
    adapter: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader', device: '' },
    model: { hidden: 64, layers: 2, imageTokens: 4, imageSize: 32, vocab: 423 }, featureSeconds: 1.5,
    clipSweep: { runs: [{ lr: 3e-3, steps: 1, score: 0.25, validation: { 't2i/R@1': 0.25, 'i2t/R@1': 0.5 }, finalLoss: 1.2, seconds: 3 },
      { lr: 1e-2, steps: 1, score: 0.5, validation: { 't2i/R@1': 0.5, 'i2t/R@1': 0.5 }, finalLoss: 1.1, seconds: 3 }], chosenLr: 1e-2 },
    rows: ROW_IDS.flatMap((id, k) => (id === 'zero-shot' ? [null] : [0, 1]).map((seed) => ({
      id, seed, report: report(0.1 * (k + 1) + 0.02 * (seed ?? 0), 50, { 'swap-obj': NaN }), evalSeconds: 2,
      validation: id === 'zero-shot' ? null : { 't2i/R@1': 0.25, 'i2t/R@1': 0.5 },
      train: id === 'zero-shot' ? null : { steps: 3, seconds: 12, loss: [3, 2, 1], contrastive: [1, 0.9, 0.8], nextToken: [2, 1.1, 0.2] },
    }))),
  };
  const pre = pretrainBudget('m', () => JSON.stringify({ type: 'summary', steps: 10, batch: 4 }) + '\n' + JSON.stringify({ type: 'config', batch: 4 }));
  const { plan, budget } = planClip(args, pre, 8000);
  const meta: RunMeta = { command: 'npm run evidence -- --quick', date: '2026-11-27T08:00:00Z', wallSeconds: 125, args, clip: { plan, budget, pretrain: pre } };
  test('EVIDENCE.md: command, wall time, adapter, seeds, budgets side by side, the sweep, mean ± sd table, three verdicts', () => {
    const md = evidenceMarkdown(run, meta);
    for (const s of ['npm run evidence -- --quick', '2m05s', 'google / swiftshader / SwiftShader', '2 optimizer steps × batch 4', '**Seeds**: 0, 1',
      '| VladVA: LoRA + soft prompts, contr. + next-token | 2 | 21.0 ± 1.4 |', '| vladva | 1 | 3 | 2.000 → 2.000 |',
      '| LVLM pretraining (`pretrain_log.jsonl`: 10 steps × 4 = 40 examples (m)) | 40 |', '| **LVLM total** | **48** |', '**CLIP** (3 steps × 4, per seed) | **12**',
      'capped by --clip-max-examples: NOT a fair CLIP', 'lr 0.003: val score 25.0 %', '→ **lr 0.01** trains every seed', 'their **short captions**']) expect(md).toContain(s);
    expect(md.match(/^\*\*.*\*\* — \*(supported|not supported|inconclusive|not run)\*\./gm)).toHaveLength(3);
    // the LVLM lr: quoted from the model's recipe when the run uses it; otherwise not claimed as chosen on val
    expect(md).not.toContain('**LVLM learning rate**');
    const withWhy = evidenceMarkdown(run, { ...meta, lrWhy: 'chosen on val: 19.7 / 27.0 / 15.2 %' });
    expect(withWhy).toContain(`* **LVLM learning rate** ${args.lr} is the model's own recipe (\`discern.json\`): chosen on val: 19.7 / 27.0 / 15.2 %.`);
    // the hand-written analysis beside it is linked only when it exists
    expect(md).not.toContain('written by hand');
    expect(evidenceMarkdown(run, { ...meta, notes: 'EVIDENCE-NOTES.md' })).toContain('written by hand, not by this command: [`EVIDENCE-NOTES.md`](EVIDENCE-NOTES.md).');
    // a run finished in sittings gives the fresh-clone command first (a fresh clone has no file to resume from)
    expect(md).not.toContain('sittings');
    const resumed = evidenceMarkdown(run, { ...meta, command: 'npm run evidence -- --quick --resume-from docs/evidence.json', args: { ...args, resumeFrom: 'docs/evidence.json' } });
    expect(resumed).toMatch(/offline:\n\n {4}npm run evidence -- --quick\n/);
    expect(resumed).toContain('The last sitting was `npm run evidence -- --quick --resume-from docs/evidence.json`');
    expect(resumed).toContain('wall time **2m05s** (last sitting)');
  });
  test('evidence.json: every (row, seed) run, mean and sd per row, the CLIP budget and sweep, the claims; JSON-safe', () => {
    const j = JSON.parse(JSON.stringify(evidenceJson(run, meta))) as {
      runs: { id: string; seed: number | null; metrics: Record<string, number | null> }[];
      rows: { id: string; n: number; seeds: (number | null)[]; mean: Record<string, number | null>; sd: Record<string, number | null> }[];
      claims: { verdict: string; seeds: number[] }[]; clip: { budget: { examples: number }; chosenLr: number; sweep: unknown[] }; wallSeconds: number;
    };
    expect(j.runs).toHaveLength(1 + 5 * 2);
    expect(j.runs.filter((r) => r.id === 'vladva').map((r) => r.seed)).toEqual([0, 1]);
    expect(j.runs[0].metrics['swap-obj']).toBeNull();
    expect(j.rows.map((r) => [r.id, r.n])).toEqual([['zero-shot', 1], ...ROW_IDS.slice(1).map((id) => [id, 2])]);
    expect(j.rows[1].mean['t2i@1']).toBeCloseTo(0.21, 9);
    expect(j.rows[1].sd['t2i@1']).toBeCloseTo(0.02 / Math.SQRT2, 9);
    expect(j.rows[0].sd['t2i@1']).toBeNull();
    expect(j.claims).toHaveLength(3);
    expect(j.claims[1].seeds).toEqual([0, 1]);
    expect([j.clip.budget.examples, j.clip.chosenLr, j.clip.sweep.length]).toEqual([12, 1e-2, 2]);
    expect(j.wallSeconds).toBe(125);
  });
  test('render: an evidence.json gives back the run and meta it was written from — the same EVIDENCE.md', () => {
    const j = JSON.parse(JSON.stringify(evidenceJson(run, { ...meta, partial: true })));
    const back = documentsFromJson(j);
    expect(evidenceMarkdown(back.run, back.meta)).toBe(evidenceMarkdown(run, { ...meta, partial: true }));
    expect(back.run.rows).toHaveLength(run.rows.length);
    expect(() => documentsFromJson({ budget: {}, runs: [] })).toThrow(/not an evidence.json of this version/);
  });

  test('--resume-from: the runs of an evidence.json with the same budget come back (NaN restored); another budget is refused', () => {
    const j = JSON.parse(JSON.stringify(evidenceJson(run, meta)));
    const r = readResume(j, parseEvidenceArgs(['--quick', '--seeds', '1,2'])); // --quick's rows: no soft-prompt, lora
    expect(r.rows.map((x) => `${x.id}#${x.seed}`)).toEqual(['zero-shot#null', 'vladva#1', 'no-next-token#1', 'clip#1']);
    expect(Number.isNaN(r.rows[0].report.sugarcrepe.perCategory['swap-obj']!.accuracy)).toBe(true);
    expect(r.rows[1].train?.loss).toEqual([3, 2, 1]);
    expect(r.sweep?.map((x) => x.lr)).toEqual([3e-3, 1e-2]);
    const cut = JSON.parse(JSON.stringify(j));
    cut.clip.sweep = cut.clip.sweep.slice(0, 1);
    expect(readResume(cut, args).sweep).toBeNull(); // an unfinished sweep runs again
    expect(() => readResume(j, parseEvidenceArgs(['--quick', '--steps', '5']))).toThrow(/its steps was 2, this run's is 5/);
    expect(() => readResume({}, args)).toThrow(/not an evidence.json of this version/);
  });
});
