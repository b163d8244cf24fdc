// Short vs long caption split (DESIGN §1): short (< 30 tokens) captions are used
// contrastively, long ones (30–500 tokens) only for the next-token loss, > 500 rejected.
// The token counter is injected (the model's tokenizer in the app); `countWords` is a
// tokenizer-free estimate for tests and scripts — real BPE counts are usually higher.

export const SHORT_MAX_TOKENS = 29; // short: tokens < 30
export const LONG_MAX_TOKENS = 500; // long: 30..500 inclusive

export type CountTokens = (text: string) => number;

export const countWords: CountTokens = (text) => {
  const t = text.trim();
  return t === '' ? 0 : t.split(/\s+/).length;
};

export type CaptionClass = 'short' | 'long' | 'too-long';

export function classifyCaption(text: string, countTokens: CountTokens): { cls: CaptionClass; tokens: number } {
  const tokens = countTokens(text);
  const cls = tokens <= SHORT_MAX_TOKENS ? 'short' : tokens <= LONG_MAX_TOKENS ? 'long' : 'too-long';
  return { cls, tokens };
}
