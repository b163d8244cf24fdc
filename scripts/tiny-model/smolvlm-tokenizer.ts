/**
 * A tokenizer.json with the real structure and ids of SmolVLM-256M/500M-Instruct: byte-level
 * BPE (SmolLM2 pre-tokenizer: Digits(individual) then ByteLevel), 49152 base ids, then the VLM
 * added tokens at SmolVLM's ids, padded to vocab_size 49280. Merges are learned from the scene
 * captions (bpe.ts), so the text side is small but real; the ids that matter are exact.
 *
 * Public API:
 *   SMOLVLM_VOCAB_SIZE = 49280, SMOLVLM_BASE_VOCAB = 49152
 *   SMOLVLM_SPECIAL_IDS: the ids of the real checkpoint (see the table below)
 *   buildSmolvlmTokenizerJson(numMerges, corpus?) → TokenizerBuild (bpe.ts)
 *
 * Id layout (as in the Hub's tokenizer.json of SmolVLM-256M-Instruct):
 *     0 <|endoftext|>   1 <|im_start|>   2 <|im_end|>        (leading specials)
 *     3 …  258           the 256 byte symbols, then one id per learned merge
 *     … 49151            filler entries (unreachable: no merge produces them) — the real file
 *                        has SmolLM2's learned vocabulary there
 * 49152 <global-img>   49153 … 49188 <row_1_col_1> … <row_6_col_6>
 * 49189 <fake_token_around_image>   49190 <image> (= config.image_token_id)
 * 49191 … 49278        <|reserved_special_token_K|> padding (added, special)
 * 49279 <end_of_utterance>
 * Trap this reproduces: the VLM tokens do NOT follow the merges (as in bpe.ts's tiny layout);
 * code that assumes "specials come right after the vocabulary" breaks on this file.
 */
import { bytesToUnicode, LEADING_SPECIALS, learnMerges, sceneCaptions, type TokenizerBuild } from './bpe.ts';

export const SMOLVLM_BASE_VOCAB = 49152;
export const SMOLVLM_VOCAB_SIZE = 49280;

export const SMOLVLM_SPECIAL_IDS: Record<string, number> = (() => {
  const ids: Record<string, number> = { '<|endoftext|>': 0, '<|im_start|>': 1, '<|im_end|>': 2, '<global-img>': 49152 };
  let id = 49153;
  for (let r = 1; r <= 6; r++) for (let c = 1; c <= 6; c++) ids[`<row_${r}_col_${c}>`] = id++;
  ids['<fake_token_around_image>'] = 49189;
  ids['<image>'] = 49190;
  ids['<end_of_utterance>'] = 49279;
  return ids;
})();

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export function buildSmolvlmTokenizerJson(numMerges = 400, corpus: string[] = sceneCaptions()): TokenizerBuild {
  const vocab: Record<string, number> = {};
  let id = 0;
  for (const s of LEADING_SPECIALS) vocab[s] = id++;
  const b2u = bytesToUnicode();
  for (let b = 0; b < 256; b++) vocab[b2u[b]] = id++;
  const merges = learnMerges(corpus, numMerges);
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = id++;
  // Unreachable fillers keep the base vocabulary exactly 49152 ids wide (ids are dense in HF files).
  while (id < SMOLVLM_BASE_VOCAB) vocab[`\u0100filler${id}`] = id++;

  const specialIds: Record<string, number> = { ...SMOLVLM_SPECIAL_IDS };
  const byId = new Map(Object.entries(SMOLVLM_SPECIAL_IDS).map(([s, i]) => [i, s]));
  const added = LEADING_SPECIALS.map((s, i) => addedToken(i, s));
  for (let i = SMOLVLM_BASE_VOCAB; i < SMOLVLM_VOCAB_SIZE; i++) {
    const content = byId.get(i) ?? `<|reserved_special_token_${i - 49191}|>`;
    added.push(addedToken(i, content));
  }
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const json = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: added,
    normalizer: null,
    pre_tokenizer: { type: 'Sequence', pretokenizers: [{ type: 'Digits', individual_digits: true }, byteLevel] },
    post_processor: { ...byteLevel, trim_offsets: false },
    decoder: byteLevel,
    model: {
      type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: null, end_of_word_suffix: null,
      fuse_unk: false, byte_fallback: false, ignore_merges: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  return { json, vocabSize: SMOLVLM_VOCAB_SIZE, specialIds };
}
