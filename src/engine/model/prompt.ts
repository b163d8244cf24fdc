/**
 * Prompts: the chat template, Idefics3 image expansion, and the E5-V / VladVA embedding prompts.
 *
 * Public API:
 *   DEFAULT_IMAGE_PROMPT = '<image>\nSummarize above image in one word:'
 *   DEFAULT_TEXT_PROMPT  = '<sent>\nSummarize above sentence in one word:'
 *   SMOLVLM_CHAT_TEMPLATE — SmolVLM's template, used only when the folder has none
 *   loadChatTemplate(folder, tokenizer): chat_template.jinja → chat_template.json →
 *                                        tokenizer_config.json chat_template → SMOLVLM_CHAT_TEMPLATE
 *   renderChat(template, messages, { addGenerationPrompt, tokenizer? }): string
 *   expandImageTokens(text, n): each `<image>` → `<fake_token_around_image><global-img>` +
 *                                `<image>`×n + `<fake_token_around_image>` (global image, no tiling)
 *   buildImagePrompt(ctx, template?) / buildTextPrompt(ctx, sentence, template?) → BuiltPrompt
 *     { text, ids, imagePositions, promptPositions, sentencePositions, lastIndex }
 *
 * How positions are found: the user template is rendered as ONE user turn (+ assistant
 * generation prompt) with private-use markers around each piece, the markers are stripped and
 * the full string is tokenized at once (exactly what the HF processor does). A piece's tokens
 * are then located by tokenizing the text before it: the common prefix with the full ids gives
 * its first token. Trap: when a piece boundary falls inside a pre-token ("User: " + "a red"
 * tokenizes as "User", ":", " a", …), the straddling token belongs to the later piece.
 * `promptPositions` are the hand-written instruction tokens (soft-prompt slots): the template
 * text outside `<image>` / `<sent>`, not the chat framing.
 */
import { Template } from '@huggingface/jinja';
import type { VlmConfig } from './config.ts';
import type { ModelFolder } from './io/folder.ts';
import type { VlmTokenizer } from './io/tokenizer.ts';

export const DEFAULT_IMAGE_PROMPT = '<image>\nSummarize above image in one word:';
export const DEFAULT_TEXT_PROMPT = '<sent>\nSummarize above sentence in one word:';

export const SMOLVLM_CHAT_TEMPLATE =
  "<|im_start|>{% for message in messages %}{{message['role'] | capitalize}}" +
  "{% if message['content'][0]['type'] == 'image' %}{{':'}}{% else %}{{': '}}{% endif %}" +
  "{% for line in message['content'] %}{% if line['type'] == 'text' %}{{line['text']}}" +
  "{% elif line['type'] == 'image' %}{{ '<image>' }}{% endif %}{% endfor %}<end_of_utterance>\n" +
  "{% endfor %}{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

export type ContentPart = { type: 'image' } | { type: 'text'; text: string };
export interface ChatMessage {
  role: 'user' | 'assistant' | 'system';
  content: ContentPart[];
}

export class PromptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PromptError';
  }
}

export async function loadChatTemplate(folder: ModelFolder, tokenizer: VlmTokenizer): Promise<string> {
  if (await folder.exists('chat_template.jinja')) return folder.readText('chat_template.jinja');
  if (await folder.exists('chat_template.json')) {
    const j = await folder.readJson<{ chat_template?: unknown }>('chat_template.json');
    if (typeof j.chat_template !== 'string') throw new PromptError('chat_template.json: no "chat_template" string');
    return j.chat_template;
  }
  return tokenizer.chatTemplate ?? SMOLVLM_CHAT_TEMPLATE;
}

export function renderChat(template: string, messages: ChatMessage[],
  opts: { addGenerationPrompt: boolean; tokenizer?: VlmTokenizer }): string {
  const cfg = opts.tokenizer?.config ?? {};
  const tokenOf = (k: string) => {
    const v = cfg[k];
    return typeof v === 'string' ? v : (v as { content?: string } | undefined)?.content ?? '';
  };
  return new Template(template).render({
    messages: messages as unknown as Record<string, unknown>[],
    add_generation_prompt: opts.addGenerationPrompt,
    bos_token: tokenOf('bos_token'),
    eos_token: tokenOf('eos_token'),
  });
}

export function expandImageTokens(text: string, n: number): string {
  const one = '<fake_token_around_image><global-img>' + '<image>'.repeat(n) + '<fake_token_around_image>';
  return text.split('<image>').join(one);
}

export interface PromptContext {
  tokenizer: VlmTokenizer;
  config: VlmConfig;
  chatTemplate: string;
}

export interface BuiltPrompt {
  /** Rendered and image-expanded text that `ids` tokenizes. */
  text: string;
  ids: number[];
  imagePositions: number[];
  /** Tokens of the hand-written instruction (soft-prompt slots). */
  promptPositions: number[];
  /** Tokens of the sentence (text prompts only). */
  sentencePositions: number[];
  /** The summary token whose last hidden state is the embedding. */
  lastIndex: number;
}

const M0 = '\uE000', M1 = '\uE001';
type Piece = { kind: 'prompt' | 'sentence'; text: string };

function build(ctx: PromptContext, template: string, sentence: string | null): BuiltPrompt {
  const pieces: Piece[] = [];
  const content: ContentPart[] = [];
  const re = /<image>|<sent>/g;
  let last = 0;
  const pushText = (kind: Piece['kind'], text: string) => {
    if (!text) return;
    content.push({ type: 'text', text: `${M0}${pieces.length}${M1}` });
    pieces.push({ kind, text });
  };
  for (const m of template.matchAll(re)) {
    pushText('prompt', template.slice(last, m.index));
    if (m[0] === '<image>') content.push({ type: 'image' });
    else {
      if (sentence === null) throw new PromptError('image prompt template must not contain <sent>');
      pushText('sentence', sentence);
    }
    last = m.index! + m[0].length;
  }
  pushText('prompt', template.slice(last));
  if (sentence !== null && !pieces.some((p) => p.kind === 'sentence')) {
    throw new PromptError(`text prompt template "${template}" has no <sent> placeholder`);
  }
  const rendered = renderChat(ctx.chatTemplate, [{ role: 'user', content }], { addGenerationPrompt: true, tokenizer: ctx.tokenizer });
  // Strip markers, remembering the character span of each piece in the expanded text.
  const spans: { kind: Piece['kind']; start: number; end: number }[] = [];
  let text = '';
  let rest = rendered;
  const mre = new RegExp(`${M0}(\\d+)${M1}`);
  for (let m = mre.exec(rest); m; m = mre.exec(rest)) {
    text += expandImageTokens(rest.slice(0, m.index), ctx.config.imageTokensPerImage);
    const p = pieces[Number(m[1])];
    spans.push({ kind: p.kind, start: text.length, end: text.length + p.text.length });
    text += p.text;
    rest = rest.slice(m.index + m[0].length);
  }
  text += expandImageTokens(rest, ctx.config.imageTokensPerImage);
  if (spans.length !== pieces.length) {
    throw new PromptError('the chat template dropped part of the user content (does it render list-of-parts content?)');
  }
  const ids = ctx.tokenizer.encode(text);
  const tokenIndexAt = (charPos: number): number => {
    const pre = ctx.tokenizer.encode(text.slice(0, charPos));
    let k = 0;
    while (k < pre.length && k < ids.length && pre[k] === ids[k]) k++;
    return k;
  };
  const promptPositions: number[] = [], sentencePositions: number[] = [];
  for (const s of spans) {
    const a = tokenIndexAt(s.start), b = tokenIndexAt(s.end);
    for (let i = a; i < b; i++) (s.kind === 'prompt' ? promptPositions : sentencePositions).push(i);
  }
  const imagePositions: number[] = [];
  ids.forEach((id, i) => id === ctx.config.imageTokenId && imagePositions.push(i));
  const expected = (template.match(/<image>/g)?.length ?? 0) * ctx.config.imageTokensPerImage;
  if (imagePositions.length !== expected) {
    throw new PromptError(`prompt has ${imagePositions.length} image tokens (id ${ctx.config.imageTokenId}), expected ${expected}; ` +
      'does config.json image_token_id match the tokenizer\'s <image>?');
  }
  return { text, ids, imagePositions, promptPositions, sentencePositions, lastIndex: ids.length - 1 };
}

export function buildImagePrompt(ctx: PromptContext, template = DEFAULT_IMAGE_PROMPT): BuiltPrompt {
  if (!template.includes('<image>')) throw new PromptError(`image prompt template "${template}" has no <image>`);
  return build(ctx, template, null);
}

export function buildTextPrompt(ctx: PromptContext, sentence: string, template = DEFAULT_TEXT_PROMPT): BuiltPrompt {
  if (template.includes('<image>')) throw new PromptError('text prompt template must not contain <image>');
  return build(ctx, template, sentence);
}
