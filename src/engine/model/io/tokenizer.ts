/**
 * The model's tokenizer, from `tokenizer.json` + `tokenizer_config.json`, run by
 * @huggingface/tokenizers (no hand-written BPE here).
 *
 * Public API:
 *   loadTokenizer(folder): Promise<VlmTokenizer>
 *   tokenizerFromJson(tokenizerJson, tokenizerConfig, file?): VlmTokenizer
 *   interface VlmTokenizer { encode(text); decode(ids, skipSpecial?); tokenId(token); idToToken(id);
 *     bosId, eosId, padId, unkId (number | null); specialIds: Map<string, number>;
 *     chatTemplate: string | null; config }
 * Traps: `encode` never adds BOS/EOS (the chat template already writes `<|im_start|>`, and
 * SmolVLM's tokenizer has no BOS post-processor); special tokens inside the text ARE
 * recognised (`<image>` → one id). `bos_token` etc. may be a string or an AddedToken object
 * `{content: "..."}` in tokenizer_config.json.
 */
import { Tokenizer } from '@huggingface/tokenizers';
import { MissingFileError, ModelFileError } from './errors.ts';
import type { ModelFolder } from './folder.ts';

export interface VlmTokenizer {
  encode(text: string): number[];
  decode(ids: readonly number[], skipSpecial?: boolean): string;
  /** Id of an exact token string (special or ordinary); throws when absent. */
  tokenId(token: string): number;
  idToToken(id: number): string | undefined;
  readonly bosId: number | null;
  readonly eosId: number | null;
  readonly padId: number | null;
  readonly unkId: number | null;
  readonly specialIds: ReadonlyMap<string, number>;
  /** chat_template from tokenizer_config.json, when it has one (see prompt.ts for the others). */
  readonly chatTemplate: string | null;
  readonly config: Record<string, unknown>;
  /** Largest id + 1 (tokenizer side; config.text.vocab_size may be larger, never smaller). */
  readonly size: number;
}

function tokenString(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (v && typeof v === 'object' && typeof (v as { content?: unknown }).content === 'string') {
    return (v as { content: string }).content;
  }
  return null;
}

export function tokenizerFromJson(tokJson: unknown, tokConfig: Record<string, unknown>, file = 'tokenizer.json'): VlmTokenizer {
  const tj = tokJson as { model?: { vocab?: unknown }; added_tokens?: { id: number; content: string; special?: boolean }[] };
  if (!tj || typeof tj !== 'object' || !tj.model) {
    throw new ModelFileError(file, `${file}: not a Hugging Face tokenizer.json (no "model" section)`);
  }
  const tok = new Tokenizer(tokJson as object, tokConfig);
  const specialIds = new Map<string, number>();
  for (const t of tj.added_tokens ?? []) if (t.special !== false) specialIds.set(t.content, t.id);
  const lookup = (key: string): number | null => {
    const s = tokenString(tokConfig[key]);
    if (s === null) return null;
    const id = tok.token_to_id(s);
    if (id === undefined) throw new ModelFileError(file, `${file}: ${key} "${s}" from tokenizer_config.json is not in the vocabulary`);
    return id;
  };
  let size = 0;
  for (const id of tok.get_vocab(true).values()) size = Math.max(size, id + 1);
  const chat = tokConfig.chat_template;
  return {
    encode: (text) => tok.encode(text, { add_special_tokens: false }).ids,
    decode: (ids, skipSpecial = false) => tok.decode([...ids], { skip_special_tokens: skipSpecial }),
    tokenId(token) {
      const id = tok.token_to_id(token);
      if (id === undefined) throw new ModelFileError(file, `${file}: token "${token}" is not in the vocabulary`);
      return id;
    },
    idToToken: (id) => tok.id_to_token(id),
    bosId: lookup('bos_token'),
    eosId: lookup('eos_token'),
    padId: lookup('pad_token'),
    unkId: lookup('unk_token'),
    specialIds,
    chatTemplate: typeof chat === 'string' ? chat : null,
    config: tokConfig,
    size,
  };
}

export async function loadTokenizer(folder: ModelFolder): Promise<VlmTokenizer> {
  if (!(await folder.exists('tokenizer.json'))) {
    throw new MissingFileError('tokenizer.json', folder.name, 'the model folder needs its tokenizer');
  }
  const tokJson = await folder.readJson('tokenizer.json');
  const cfg = (await folder.exists('tokenizer_config.json'))
    ? await folder.readJson<Record<string, unknown>>('tokenizer_config.json')
    : {};
  return tokenizerFromJson(tokJson, cfg);
}
