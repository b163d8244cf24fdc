/**
 * A real byte-level BPE tokenizer.json (Hugging Face `tokenizers` format, GPT-2 / SmolLM2
 * style) learned from a small built-in corpus of scene captions.
 *
 * Public API:
 *   sceneCaptions(): string[]                         — the deterministic training corpus
 *   learnMerges(corpus, numMerges): [string, string][] — classic BPE on byte-level pre-tokens
 *   buildTokenizerJson(numMerges, corpus = sceneCaptions()) → { json, vocabSize, specialIds }
 *     (corpus: the text the merges are learned from, e.g. a dataset's captions for a pretrained model)
 * Layout of ids (mirrors SmolLM2/SmolVLM order on a small scale):
 *   0 <|endoftext|>, 1 <|im_start|>, 2 <|im_end|>, then the 256 byte symbols, then one id per
 *   merge, then the added VLM tokens <fake_token_around_image>, <image>, <global-img>,
 *   <end_of_utterance>.
 * Pre-tokenizer: Sequence[Digits(individual), ByteLevel(use_regex)] like SmolLM2; the training
 * split uses the same GPT-2 regex so merges never cross pre-token boundaries.
 */

export const LEADING_SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'];
export const VLM_SPECIALS = ['<fake_token_around_image>', '<image>', '<global-img>', '<end_of_utterance>'];

/** GPT-2 bytes_to_unicode: printable bytes map to themselves, the rest to U+0100.. */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const cs = bs.slice();
  let n = 0;
  for (let b = 0; b < 256; b++) {
    if (!bs.includes(b)) {
      bs.push(b);
      cs.push(256 + n++);
    }
  }
  const out = new Array<string>(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
}

const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

const COLORS = ['red', 'blue', 'green', 'yellow', 'purple', 'orange', 'black', 'white', 'gray', 'brown'];
const SHAPES = ['cube', 'ball', 'sphere', 'cylinder', 'cone', 'square', 'circle', 'triangle', 'star', 'box'];
const RELATIONS = ['left of', 'right of', 'above', 'below', 'next to', 'behind', 'in front of', 'on top of'];
const SIZES = ['small', 'large', 'big', 'tiny'];

/** Deterministic caption corpus: "a red cube left of a blue ball", counts, sizes, summaries. */
export function sceneCaptions(): string[] {
  const out: string[] = [];
  let k = 0;
  for (const c1 of COLORS) for (const s1 of SHAPES) {
    const c2 = COLORS[(k * 3 + 1) % COLORS.length], s2 = SHAPES[(k * 7 + 2) % SHAPES.length];
    const rel = RELATIONS[k % RELATIONS.length], size = SIZES[k % SIZES.length];
    out.push(`a ${c1} ${s1} ${rel} a ${c2} ${s2}`);
    out.push(`the ${size} ${c1} ${s1} is ${rel} the ${c2} ${s2}.`);
    out.push(`There are ${(k % 4) + 2} ${c1} ${s1}s in the image.`);
    k++;
  }
  out.push('Summarize above image in one word:', 'Summarize above sentence in one word:');
  out.push('User: Assistant: describe the scene in one sentence.');
  return out;
}

export function learnMerges(corpus: string[], numMerges: number): [string, string][] {
  const b2u = bytesToUnicode();
  const enc = new TextEncoder();
  const words = new Map<string, number>(); // pre-token (byte-level chars joined by \u0000) → count
  for (const line of corpus) {
    for (const m of line.matchAll(GPT2_SPLIT)) {
      const sym = [...enc.encode(m[0])].map((b) => b2u[b]).join('\u0000');
      words.set(sym, (words.get(sym) ?? 0) + 1);
    }
  }
  let seqs = [...words].map(([w, c]) => ({ syms: w.split('\u0000'), c }));
  const merges: [string, string][] = [];
  while (merges.length < numMerges) {
    const counts = new Map<string, number>();
    for (const { syms, c } of seqs) {
      for (let i = 0; i + 1 < syms.length; i++) {
        const key = syms[i] + '\u0000' + syms[i + 1];
        counts.set(key, (counts.get(key) ?? 0) + c);
      }
    }
    let best = '', bestC = 0;
    for (const [k, c] of counts) if (c > bestC || (c === bestC && k < best)) { best = k; bestC = c; }
    if (bestC < 2) break; // nothing left worth merging
    const [a, b] = best.split('\u0000');
    merges.push([a, b]);
    seqs = seqs.map(({ syms, c }) => {
      const out: string[] = [];
      for (let i = 0; i < syms.length; i++) {
        if (i + 1 < syms.length && syms[i] === a && syms[i + 1] === b) { out.push(a + b); i++; } else out.push(syms[i]);
      }
      return { syms: out, c };
    });
  }
  return merges;
}

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

export interface TokenizerBuild {
  json: Record<string, unknown>;
  vocabSize: number;
  /** Special token string → id. */
  specialIds: Record<string, number>;
}

export function buildTokenizerJson(numMerges = 200, corpus: string[] = sceneCaptions()): TokenizerBuild {
  const vocab: Record<string, number> = {};
  let id = 0;
  for (const s of LEADING_SPECIALS) vocab[s] = id++;
  const b2u = bytesToUnicode();
  for (let b = 0; b < 256; b++) vocab[b2u[b]] = id++;
  const merges = learnMerges(corpus, numMerges);
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = id++;
  const specialIds: Record<string, number> = {};
  LEADING_SPECIALS.forEach((s, i) => (specialIds[s] = i));
  const added = LEADING_SPECIALS.map((s, i) => addedToken(i, s));
  for (const s of VLM_SPECIALS) {
    specialIds[s] = id;
    added.push(addedToken(id++, s));
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
  return { json, vocabSize: id, specialIds };
}
