// The card section of caption-eval: figures of the scored weights, the target verdict, and an
// in-place rewrite that keeps the rest of the card (card-section.ts).
import { describe, expect, it } from 'vitest';
import { captionEvalSection, SECTION_END, SECTION_START, withCaptionEvalSection, type CaptionEvalRecord } from './card-section.ts';

const rec = (overall: number): CaptionEvalRecord => ({
  command: 'npm run caption-eval -- --model public/models/m', model: 'public/models/m', modelSha256: 'ab'.repeat(32), step: 1200,
  scenes: 200, form: 'free', maxNewTokens: 128, overall, parsed: 199, placed: { ok: 9, total: 12, accuracy: 0.75 }, longForm: 3, date: '2026-12-07T13:00:00.000Z', seconds: 300,
  perSlot: {
    count: { ok: 200, total: 200, accuracy: 1 }, colour: { ok: 380, total: 400, accuracy: 0.95 }, shape: { ok: 300, total: 400, accuracy: 0.75 },
    size: { ok: 0, total: 0, accuracy: null }, relation: { ok: 90, total: 150, accuracy: 0.6 },
  },
});

describe('caption-eval card section', () => {
  it('quotes every slot, the step and hash of the scored weights, and the verdict against the 90 % target', () => {
    const s = captionEvalSection(rec(0.8123), 'public/models/m');
    for (const x of ['| shape | 75.0 % | 300 / 400 |', '| size | n/a | 0 / 0 |', '**81.2 %**', 'pretraining step 1200', 'sha256 `abababababab…`',
      '200 held-out `test` scenes', '3 in the long form', '1 unparsable', '**not met** (8.8 points short)', 'weakest slot: relation 60.0 %', '| 75.0 % | 9 / 12 |']) expect(s).toContain(x);
    expect(captionEvalSection(rec(0.93), 'x')).toContain('— met; weakest slot: relation 60.0 %');
    expect(captionEvalSection(null, 'public/models/m')).toContain('Not run on these weights yet: `npm run caption-eval -- --model public/models/m`');
  });

  it('replaces its own section in place, inserts before Limitations in an older card, appends otherwise', () => {
    const old = '# m\n\n## Training\n\ntext\n\n## Limitations\n\nsmall\n';
    const once = withCaptionEvalSection(old, captionEvalSection(null, 'm'));
    expect(once.indexOf(SECTION_START)).toBeLessThan(once.indexOf('## Limitations'));
    expect(once).toContain('## Training\n\ntext\n\n' + SECTION_START);
    const twice = withCaptionEvalSection(once, captionEvalSection(rec(0.5), 'm'));
    expect(twice.split(SECTION_START)).toHaveLength(2); // one section, not two
    expect(twice).toContain('**50.0 %**');
    expect(twice).not.toContain('Not run on these weights');
    expect(twice.endsWith('## Limitations\n\nsmall\n')).toBe(true);
    expect(withCaptionEvalSection(twice, captionEvalSection(rec(0.5), 'm'))).toBe(twice); // idempotent
    const bare = withCaptionEvalSection('# m\n', captionEvalSection(null, 'm'));
    expect(bare.endsWith(SECTION_END + '\n')).toBe(true);
  });
});
