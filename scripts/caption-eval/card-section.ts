/**
 * The model card's "Caption evaluation" section: what `npm run caption-eval` measured on the
 * folder's current weights (issue 12 item 2: the card quotes the command's output).
 *
 * Public API:
 *   interface CaptionEvalRecord   the report's summary (caption-eval.ts writes it into caption_eval.json)
 *   TARGET_SLOT_ACCURACY          0.9, the acceptance bar the section states
 *   captionEvalSection(r | null, modelDir) → Markdown between the START/END markers
 *   withCaptionEvalSection(readme, section) → readme with the section replaced, or inserted before
 *     "## Limitations" (a card written before this section existed), or appended
 * Trap: a checkpoint written after an evaluation has other weights, so the pretraining card writer
 * passes null (the section then says how to run it), and caption-eval records the sha256 of the
 * model.safetensors it scored: a card never quotes figures of weights it does not ship.
 */
import { SLOTS, type Summary } from './score.ts';

export const TARGET_SLOT_ACCURACY = 0.9;
export const SECTION_START = '<!-- caption-eval:start -->';
export const SECTION_END = '<!-- caption-eval:end -->';

/** The scores are summarize()'s (score.ts): per slot, overall, parsed, placed. */
export interface CaptionEvalRecord extends Summary {
  command: string;
  /** Repo-relative model folder. */
  model: string;
  /** sha256 of the model.safetensors that was scored. */
  modelSha256: string;
  /** Pretraining step of those weights (pretrain_state/state.json when its hash matches), else null. */
  step: number | null;
  scenes: number;
  /** 'free': greedy decoding picks the form; 'long' / 'short': the form's first word was given. */
  form: 'free' | 'long' | 'short';
  maxNewTokens: number;
  /** How many of the captions the model wrote in the long form (greedy decoding picks the form). */
  longForm: number;
  date: string;
  seconds: number;
}

const pct = (x: number | null) => (x == null ? 'n/a' : `${(100 * x).toFixed(1)} %`);

/** "relation 47.2 %": the slot with the lowest accuracy. */
function weakest(r: CaptionEvalRecord): string {
  const scored = SLOTS.filter((k) => r.perSlot[k].accuracy != null).sort((a, b) => r.perSlot[a].accuracy! - r.perSlot[b].accuracy!);
  return scored.length ? `${scored[0]} ${pct(r.perSlot[scored[0]].accuracy)}` : 'n/a';
}

export function captionEvalSection(r: CaptionEvalRecord | null, modelDir: string): string {
  const body = r
    ? [
        `\`${r.command}\` on ${r.date.slice(0, 10)}${r.step != null ? `, weights of pretraining step ${r.step}` : ''} (model.safetensors sha256 \`${r.modelSha256.slice(0, 12)}…\`):`,
        `greedy captions of the first ${r.scenes} held-out \`test\` scenes (${r.form === 'free' ? 'the form greedy decoding picks' : `the ${r.form} form, its first word given`}, ≤ ${r.maxNewTokens} new tokens; ${r.longForm} in the long form,`,
        `${r.scenes - r.parsed} unparsable), scored slot by slot against each scene (\`scripts/caption-eval/score.ts\`).`,
        '',
        '| slot | accuracy | correct / slots |',
        '|---|---:|---:|',
        ...SLOTS.map((s) => `| ${s} | ${pct(r.perSlot[s].accuracy)} | ${r.perSlot[s].ok} / ${r.perSlot[s].total} |`),
        `| **overall** | **${pct(r.overall)}** | |`,
        `| placed (not a slot: the cell phrase of each long-form object; chance 11.1 %) | ${pct(r.placed.accuracy)} | ${r.placed.ok} / ${r.placed.total} |`,
        '',
        `Target (issue 12): ≥ ${pct(TARGET_SLOT_ACCURACY)} overall — ${r.overall >= TARGET_SLOT_ACCURACY ? 'met' : `**not met** (${(100 * (TARGET_SLOT_ACCURACY - r.overall)).toFixed(1)} points short)`}; ` +
          `weakest slot: ${weakest(r)} (the overall figure weights slots by how many there are).`,
        'Every caption with its slots: `caption_eval.json`.',
      ]
    : [`Not run on these weights yet: \`npm run caption-eval -- --model ${modelDir}\` scores greedy captions of held-out`,
       'test scenes slot by slot and writes its figures here.'];
  return [SECTION_START, '## Caption evaluation', '', ...body, SECTION_END].join('\n');
}

export function withCaptionEvalSection(readme: string, section: string): string {
  const a = readme.indexOf(SECTION_START), b = readme.indexOf(SECTION_END);
  if (a >= 0 && b > a) return readme.slice(0, a) + section + readme.slice(b + SECTION_END.length);
  const lim = readme.indexOf('\n## Limitations');
  if (lim >= 0) return `${readme.slice(0, lim + 1)}${section}\n\n${readme.slice(lim + 1)}`;
  return `${readme.replace(/\n*$/, '')}\n\n${section}\n`;
}
