/**
 * CLI: write a random tiny Idefics3 / SmolVLM model folder to disk.
 *
 *   npx tsx scripts/tiny-model/write-tiny-model.ts [--out DIR] [--dtype f32|f16|bf16]
 *     [--shards N] [--seed N] [--merges N] [--tie]
 *     [--vision-hidden N] [--vision-layers N] [--vision-heads N] [--vision-intermediate N]
 *     [--image-size N] [--patch-size N] [--scale-factor N]
 *     [--text-hidden N] [--text-layers N] [--text-heads N] [--kv-heads N] [--head-dim N]
 *     [--text-intermediate N] [--rope-theta X] [--rms-norm-eps X]
 *
 * Default: public/models/tiny-random/ (committed, < 1 MB). Same flags → same bytes.
 * The output folder is cleared of files this writer produces before writing, so switching
 * between single-file and sharded checkpoints leaves no stale weights behind.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildTinyModel, DEFAULT_TINY, type TinyModelOptions } from './tiny-model.ts';

function parseArgs(argv: string[]): { out: string; opts: Partial<TinyModelOptions> } {
  const o: TinyModelOptions = structuredClone(DEFAULT_TINY);
  let out = 'public/models/tiny-random';
  const intFlags: Record<string, (v: number) => void> = {
    '--shards': (v) => (o.shards = v), '--seed': (v) => (o.seed = v), '--merges': (v) => (o.numMerges = v),
    '--vision-hidden': (v) => (o.vision.hidden = v), '--vision-layers': (v) => (o.vision.layers = v),
    '--vision-heads': (v) => (o.vision.heads = v), '--vision-intermediate': (v) => (o.vision.intermediate = v),
    '--image-size': (v) => (o.vision.image = v), '--patch-size': (v) => (o.vision.patch = v),
    '--scale-factor': (v) => (o.scaleFactor = v),
    '--text-hidden': (v) => (o.text.hidden = v), '--text-layers': (v) => (o.text.layers = v),
    '--text-heads': (v) => (o.text.heads = v), '--kv-heads': (v) => (o.text.kvHeads = v),
    '--head-dim': (v) => (o.text.headDim = v), '--text-intermediate': (v) => (o.text.intermediate = v),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i], v = argv[i + 1];
    if (a === '--out') { out = v; i++; }
    else if (a === '--dtype') {
      if (v !== 'f32' && v !== 'f16' && v !== 'bf16') throw new Error(`--dtype must be f32, f16 or bf16, got ${v}`);
      o.dtype = v; i++;
    } else if (a === '--tie') o.tieWordEmbeddings = true;
    else if (a === '--rope-theta') { o.text.ropeTheta = Number(v); i++; }
    else if (a === '--rms-norm-eps') { o.text.rmsNormEps = Number(v); i++; }
    else if (a in intFlags) {
      const n = Number(v);
      if (!Number.isInteger(n) || n <= 0) throw new Error(`${a} needs a positive integer, got ${v}`);
      intFlags[a](n); i++;
    } else throw new Error(`unknown argument ${a}`);
  }
  return { out, opts: o };
}

const { out, opts } = parseArgs(process.argv.slice(2));
const model = buildTinyModel(opts);
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) {
  if (/^model.*\.safetensors(\.index\.json)?$/.test(f)) rmSync(join(out, f));
}
let total = 0;
for (const [path, bytes] of Object.entries(model.files)) {
  const full = join(out, path);
  mkdirSync(dirname(full), { recursive: true });
  writeFileSync(full, bytes);
  total += bytes.byteLength;
  console.log(`${path.padEnd(40)} ${bytes.byteLength} bytes`);
}
console.log(`wrote ${Object.keys(model.files).length} files, ${total} bytes, to ${out} ` +
  `(vocab ${model.config.text.vocab_size}, ${model.config.imageTokensPerImage} image tokens per image)`);
