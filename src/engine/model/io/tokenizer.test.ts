import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseVlmConfig } from '../config.ts';
import { buildImagePrompt, buildTextPrompt, DEFAULT_TEXT_PROMPT, expandImageTokens, loadChatTemplate, renderChat, SMOLVLM_CHAT_TEMPLATE } from '../prompt.ts';
import { MissingFileError } from './errors.ts';
import { folderFromMap } from './folder.ts';
import { loadTokenizer } from './tokenizer.ts';

// The committed tiny model (scripts/tiny-model/write-tiny-model.ts output).
const DIR = 'public/models/tiny-random/';
const file = (p: string) => new Uint8Array(readFileSync(DIR + p));
const folder = folderFromMap('tiny-random', {
  'config.json': file('config.json'), 'tokenizer.json': file('tokenizer.json'), 'tokenizer_config.json': file('tokenizer_config.json'),
});
const config = parseVlmConfig(JSON.parse(readFileSync(DIR + 'config.json', 'utf8')));

describe('tokenizer (tiny-random tokenizer.json via @huggingface/tokenizers)', () => {
  it('encode/decode round trip, merges in use, specials recognised', async () => {
    const tok = await loadTokenizer(folder);
    for (const s of ['a red cube left of a blue ball', 'The 3 tiny stars are ON TOP of 12 boxes!', 'zebra ünïcödé 🙂 ok\n\ttabs']) {
      const ids = tok.encode(s);
      expect(tok.decode(ids)).toBe(s);
    }
    // Learned merges: a frequent caption shrinks well below its byte count.
    expect(tok.encode(' red cube').length).toBeLessThanOrEqual(3);
    const ids = tok.encode('<|im_start|>User:<image>hi<end_of_utterance>');
    expect(ids[0]).toBe(tok.tokenId('<|im_start|>'));
    expect(ids).toContain(config.imageTokenId);
    expect(tok.tokenId('<image>')).toBe(config.imageTokenId);
    expect(tok.decode(ids, true)).toBe('User:hi');
    expect(tok.bosId).toBe(tok.tokenId('<|im_start|>'));
    expect(tok.eosId).toBe(tok.tokenId('<end_of_utterance>'));
    expect(tok.padId).toBe(tok.tokenId('<|im_end|>'));
    expect(tok.size).toBe(config.text.vocab_size);
    expect(() => tok.tokenId('<nope>')).toThrow(/tokenizer.json: token "<nope>" is not in the vocabulary/);
  });
  it('missing tokenizer.json is named', async () => {
    await expect(loadTokenizer(folderFromMap('m', { 'config.json': file('config.json') })))
      .rejects.toThrow(MissingFileError);
    await expect(loadTokenizer(folderFromMap('m', {}))).rejects.toThrow(/missing file "tokenizer.json" in m/);
  });
});

describe('prompts', () => {
  it('renders the SmolVLM chat template like the Hugging Face processor', () => {
    const s = renderChat(SMOLVLM_CHAT_TEMPLATE, [{ role: 'user', content: [{ type: 'image' }, { type: 'text', text: 'Can you describe this image?' }] }],
      { addGenerationPrompt: true });
    expect(s).toBe('<|im_start|>User:<image>Can you describe this image?<end_of_utterance>\nAssistant:');
    const t = renderChat(SMOLVLM_CHAT_TEMPLATE, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }], { addGenerationPrompt: false });
    expect(t).toBe('<|im_start|>User: hi<end_of_utterance>\n');
  });
  it('expands <image> into the global-image block', () => {
    expect(expandImageTokens('a<image>b', 2)).toBe('a<fake_token_around_image><global-img><image><image><fake_token_around_image>b');
  });
  it('image prompt: exactly imageTokensPerImage image tokens, prompt positions decode to the instruction', async () => {
    const tok = await loadTokenizer(folder);
    const ctx = { tokenizer: tok, config, chatTemplate: await loadChatTemplate(folder, tok) };
    const p = buildImagePrompt(ctx);
    expect(config.imageTokensPerImage).toBe(4);
    expect(p.imagePositions.length).toBe(4);
    expect(p.imagePositions.every((i, k) => i === p.imagePositions[0] + k)).toBe(true);
    expect(p.ids[p.imagePositions[0] - 1]).toBe(tok.tokenId('<global-img>'));
    expect(p.ids[p.imagePositions[3] + 1]).toBe(tok.tokenId('<fake_token_around_image>'));
    expect(tok.decode(p.promptPositions.map((i) => p.ids[i]))).toBe('\nSummarize above image in one word:');
    expect(p.text.endsWith('<end_of_utterance>\nAssistant:')).toBe(true);
    expect(tok.decode(p.ids)).toBe(p.text);
    expect(p.lastIndex).toBe(p.ids.length - 1);
  });
  it('text prompt: sentence and instruction positions, full-string tokenization', async () => {
    const tok = await loadTokenizer(folder);
    const ctx = { tokenizer: tok, config, chatTemplate: await loadChatTemplate(folder, tok) };
    const p = buildTextPrompt(ctx, 'a red cube left of a blue ball');
    expect(p.text).toBe('<|im_start|>User: a red cube left of a blue ball\nSummarize above sentence in one word:<end_of_utterance>\nAssistant:');
    expect(p.ids).toEqual(tok.encode(p.text));
    expect(p.imagePositions).toEqual([]);
    // "User: " + "a" tokenizes as "User", ":", " a": the straddling token belongs to the sentence.
    expect(tok.decode(p.sentencePositions.map((i) => p.ids[i]))).toBe(' a red cube left of a blue ball');
    expect(tok.decode(p.promptPositions.map((i) => p.ids[i]))).toBe('\nSummarize above sentence in one word:');
    expect(() => buildTextPrompt(ctx, 'x', 'no placeholder')).toThrow(/has no <sent> placeholder/);
    expect(() => buildImagePrompt(ctx, 'no image')).toThrow(/has no <image>/);
    expect(DEFAULT_TEXT_PROMPT).toContain('<sent>');
  });
  it('chat_template.json and chat_template.jinja take precedence', async () => {
    const tok = await loadTokenizer(folder);
    const enc = (s: string) => new TextEncoder().encode(s);
    const f1 = folderFromMap('m', { 'chat_template.json': enc(JSON.stringify({ chat_template: 'J' })) });
    expect(await loadChatTemplate(f1, tok)).toBe('J');
    const f2 = folderFromMap('m', { 'chat_template.jinja': enc('K'), 'chat_template.json': enc('{"chat_template":"J"}') });
    expect(await loadChatTemplate(f2, tok)).toBe('K');
    expect(await loadChatTemplate(folderFromMap('m', {}), tok)).toBe(tok.chatTemplate);
  });
});
