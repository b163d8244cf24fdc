/**
 * README.md model card of the pretrained tiny model: what it is, the data, the run (steps,
 * batch, lr, seed, losses, wall time), held-out greedy captions, and how to reproduce.
 *
 * Public API: interface CardInfo; modelCard(config, info) → string (Markdown)
 */
import type { VlmConfig } from '../../src/engine/model/config.ts';
import { expectedWeights } from '../../src/engine/model/io/weights.ts';
import { DEFAULT_BUNDLED_MODEL } from '../../src/protocol/messages.ts';
import { captionEvalSection } from '../caption-eval/card-section.ts';

export interface CardInfo {
  /** The folder's name (the card's title): 'discern-tiny', 'discern-tiny-v2', … */
  name: string;
  /** Repo-relative folder, for the commands the card gives. */
  dir: string;
  command: string;
  steps: number;
  batch: number;
  lr: number;
  warmupSteps: number;
  seed: number;
  maxLongTokens: number;
  /** Mean loss of the first / last min(20, steps) steps. */
  firstLoss: number;
  finalLoss: number;
  evalLoss: number | null;
  trainSec: number;
  wallSec: number;
  tokensPerSec: number;
  samples: { id: string; reference: string; generated: string }[];
  /** Set on intermediate checkpoints: the step reached, so nobody mistakes one for the finished run. */
  checkpointStep?: number;
  /** Steps at which the run was resumed (`--resume`, one per later sitting). */
  resumes?: number[];
  /** --init-from: the folder whose weights this run started from (its own card and log describe that run). */
  initFrom?: string;
}

const f = (x: number | null, d = 3) => (x == null ? 'n/a' : x.toFixed(d));

export function modelCard(c: VlmConfig, i: CardInfo): string {
  const v = c.vision, t = c.text;
  const nParams = expectedWeights(c).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const isDefault = i.name === DEFAULT_BUNDLED_MODEL;
  const rows = i.samples.map((s) => `| ${s.id} | ${s.reference} | ${s.generated.replace(/\|/g, '\\|').replace(/\n/g, ' ')} |`);
  return `---
license: apache-2.0
library_name: discern
pipeline_tag: image-text-to-text
tags: [idefics3, smolvlm, tiny, synthetic, webgpu]
---

# ${i.name}

${i.checkpointStep ? `> **Intermediate checkpoint** after step ${i.checkpointStep} of ${i.steps}: the run is still going (losses and times below are so far).\n\n` : ''}A tiny vision-language model in the SmolVLM / Idefics3 layout (SigLIP-style vision tower, pixel-shuffle
connector, Llama decoder), **pretrained from scratch** by Discern's own WebGPU engine in headless Chromium
(\`npm run pretrain\`). ${isDefault ? 'It is the default model of the playground and of the evidence runs' : `It is not the playground's default (\`${DEFAULT_BUNDLED_MODEL}\` is)`}: small enough to
ship in the repository, trained only on Discern's synthetic scenes, so it knows colours, shapes, sizes,
positions and relations of up to three objects on a dark background — and nothing else.

| part | size |
|---|---|
| vision | image ${v.image_size}×${v.image_size}, patch ${v.patch_size}, hidden ${v.hidden_size}, ${v.num_hidden_layers} layers, ${v.num_attention_heads} heads, MLP ${v.intermediate_size} |
| connector | pixel shuffle ×${c.scaleFactor} → ${c.imageTokensPerImage} image tokens, linear to ${t.hidden_size} |
| decoder | hidden ${t.hidden_size}, ${t.num_hidden_layers} layers, ${t.num_attention_heads} heads (${t.num_key_value_heads} KV), MLP ${t.intermediate_size}, vocab ${t.vocab_size} |

Files: \`config.json\`, \`model.safetensors\` (float32), \`tokenizer.json\` (byte-level BPE whose merges were
learned from the training captions), \`tokenizer_config.json\`, \`preprocessor_config.json\`,
\`generation_config.json\`, \`onnx/vision_encoder.onnx\` (vision tower + connector, transformers.js I/O names).

## Training

* **Data**: the \`train\` split (8000 scenes) of Discern's frozen synthetic benchmark
  (\`src/engine/data/synthetic/benchmark.ts\`, seed 2026); the \`test\` and \`winoground\` splits used for
  evaluation are disjoint from it by construction. Images are rendered at 64×64 and preprocessed exactly
  like an image dropped into the app (\`preprocessor_config.json\`).
* **Objective**: generative captioning, next-token cross-entropy on the caption tokens only, every weight
  trained (vision tower, connector, decoder). Each scene appears once per epoch with its short caption and
  once with its long caption (cut to ${i.maxLongTokens} tokens), after the E5-V image prompt
  \`<image>\\nSummarize above image in one word:\` in the chat template.
* **Run**: ${i.steps} steps, batch ${i.batch}, AdamW (β 0.9/0.95, weight decay on matrices), peak lr ${i.lr}
  with ${i.warmupSteps} warmup steps and cosine decay, global grad-norm clip, seed ${i.seed}${i.resumes?.length
    ? `; run in ${i.resumes.length + 1} sittings, resumed exactly (weights + AdamW state) after step${i.resumes.length > 1 ? 's' : ''} ${i.resumes.join(', ')}` : ''}.${i.initFrom
    ? `\n  **Initialised from the weights of \`${i.initFrom}\`** (not from a seeded random init): this run continues that
  model's pretraining with fresh AdamW moments and its own schedule; that folder's card and log describe the earlier
  steps, which come on top of the ones counted here.` : ''}
* **Loss**: ${f(i.firstLoss)} (mean of the first steps) → ${f(i.finalLoss)} (mean of the last steps);
  held-out loss on test scenes: ${f(i.evalLoss)}. Per-step log: \`pretrain_log.jsonl\`.
* **Time**: ${(i.trainSec / 60).toFixed(1)} min of training (${Math.round(i.tokensPerSec)} tokens/s), ${(i.wallSec / 60).toFixed(1)} min wall
  in all, on a 2-core machine without a GPU (Chromium's SwiftShader WebGPU).

## Greedy captions of held-out test scenes

| scene | reference short caption | generated |
|---|---|---|
${rows.join('\n')}

${captionEvalSection(null, i.dir)}

## Limitations

A ${Math.round(nParams / 1000)}k-parameter model shown ${i.steps * i.batch} captions in this run (${i.steps} steps × ${i.batch})${i.initFrom ? ', on top of the run it was initialised from' : ''}: it writes captions in the
benchmark's language (short and long forms); how often their colours, shapes, sizes, counts and relations
are right is what the caption evaluation above measures. It knows nothing outside the synthetic scenes and
is meant as a fast, offline, genuinely pretrained base for the playground and the VladVA evidence, not as a captioner.

## Reproduce

\`\`\`
${i.command}
\`\`\`

Same seed and options give the same weights on the same machine (the data order and the initial weights
are seeded; the GPU kernels are deterministic).
`;
}
