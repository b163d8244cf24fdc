// Pure parts of `npm run evidence`: the command line, the benchmark plan (held-out only, row
// bookkeeping, scoring of hand-made embeddings), the table's columns and formatting, the
// claim verdicts, and the Markdown / JSON documents.
import { describe, expect, test } from 'vitest';
import { generateSynthetic } from '../../src/engine/data/synthetic/generate.ts';
import type { EvalReport } from '../../src/engine/eval/synthetic_eval.ts';
import { commandLine, DEFAULTS, parseEvidenceArgs } from './args.ts';
import { evidenceJson, evidenceMarkdown } from './doc.ts';
import { planEvidence } from './plan.ts';
import { ROW_IDS, type EvidenceRun, type RowId } from './rows.ts';
import { checkClaims, COLUMNS, flatten, formatTable, markdownTable } from './table.ts';

const ds = generateSynthetic({ seed: 3, train: 12, val: 4, test: 10, winoground: 3 });

describe('args', () => {
  test('defaults, --quick, overrides, and the reproducing command', () => {
    expect(parseEvidenceArgs([])).toEqual({ ...DEFAULTS, rows: [...ROW_IDS] });
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
    const rows = [{ id: 'zero-shot' as RowId, report: r }, { id: 'clip' as RowId, report: report(0.125) }];
    const t = formatTable(rows).split('\n');
    expect(t).toHaveLength(4);
    expect(t[0]).toMatch(/^row\s+T→I@1\s+T→I@5 .* W-group$/);
    expect(t[2]).toMatch(/^zero-shot\s+50\.0 .* n\/a\s+50\.0\s+50\.0\s+50\.0$/);
    expect(t[3]).toMatch(/^clip\s+12\.5/);
    const md = markdownTable(rows).split('\n');
    expect(md[1]).toBe(`|---|${'---:|'.repeat(16)}`);
    expect(md[2]).toMatch(/^\| zero-shot prompting \(base LVLM\) \| 50\.0 \|/);
  });
});

describe('claims', () => {
  const rows = (pairs: [RowId, EvalReport][]) => pairs.map(([id, report]) => ({ id, report }));
  test('a wide, significant win is supported; a small one is not "wide"; a reversal is contradicted', () => {
    const c = checkClaims(rows([['zero-shot', report(0.1)], ['vladva', report(0.6)], ['no-next-token', report(0.6)], ['clip', report(0.8)]]));
    expect(c.map((x) => x.verdict)).toEqual(['supported', 'inconclusive', 'contradicted']);
    expect(c[0].meanDiff).toBeCloseTo(50, 6);
    expect(c[0].text).toMatch(/t2i@1 \+50\.0/);
    expect(c[2].diffs['swap-obj']).toBeCloseTo(-20, 6);
    const small = checkClaims(rows([['zero-shot', report(0.5)], ['vladva', report(0.57)]]));
    expect(small[0].verdict).toBe('inconclusive'); // +7 points is significant with 400 items but not "wide" (not 2× the zero-shot recall)
    expect(small[1].verdict).toBe('not run');
    expect(small[1].text).toMatch(/no-next-token were not run/);
  });
});

describe('documents', () => {
  const run: EvidenceRun = {
    adapter: { vendor: 'google', architecture: 'swiftshader', description: 'SwiftShader', device: '' },
    model: { hidden: 64, layers: 2, imageTokens: 4, imageSize: 32, vocab: 423 }, featureSeconds: 1.5,
    rows: ROW_IDS.map((id, k) => ({
      id, report: report(0.1 * (k + 1), 50, { 'swap-obj': NaN }), evalSeconds: 2, validation: id === 'zero-shot' ? null : { 't2i/R@1': 0.25, 'i2t/R@1': 0.5 },
      train: id === 'zero-shot' ? null : { steps: 3, seconds: 12, loss: [3, 2, 1], contrastive: [1, 0.9, 0.8], nextToken: [2, 1.1, 0.2] },
    })),
  };
  const meta = { command: 'npm run evidence -- --quick', date: '2026-11-27T08:00:00Z', wallSeconds: 125, args: parseEvidenceArgs(['--quick']) };
  test('EVIDENCE.md holds the command, wall time, adapter, budget, the table and a paragraph per claim', () => {
    const md = evidenceMarkdown(run, meta);
    for (const s of ['npm run evidence -- --quick', '2m05s', 'google / swiftshader / SwiftShader', '2 optimizer steps × batch 4', '| VladVA: LoRA', '| vladva | 2.000 → 2.000 |']) expect(md).toContain(s);
    expect(md.match(/^\*\*.*\*\* — \*(supported|contradicted|inconclusive|not run)\*\./gm)).toHaveLength(3);
  });
  test('evidence.json is JSON-safe (NaN → null) and carries every row and claim', () => {
    const j = JSON.parse(JSON.stringify(evidenceJson(run, meta))) as { rows: { id: string; metrics: Record<string, number | null> }[]; claims: unknown[]; wallSeconds: number };
    expect(j.rows.map((r) => r.id)).toEqual([...ROW_IDS]);
    expect(j.rows[0].metrics['swap-obj']).toBeNull();
    expect(j.rows[1].metrics['t2i@1']).toBeCloseTo(0.2, 9);
    expect(j.claims).toHaveLength(3);
    expect(j.wallSeconds).toBe(125);
  });
});
