/**
 * CLI: write a random tiny Idefics3 / SmolVLM model folder to disk.
 *
 *   npx tsx scripts/tiny-model/write-tiny-model.ts [--preset smolvlm-256m|smolvlm-500m [--layers N]]
 *     [--out DIR] [--dtype f32|f16|bf16]
 *     [--shards N] [--seed N] [--merges N] [--tie]
 *     [--vision-hidden N] [--vision-layers N] [--vision-heads N] [--vision-intermediate N]
 *     [--image-size N] [--patch-size N] [--scale-factor N]
 *     [--text-hidden N] [--text-layers N] [--text-heads N] [--kv-heads N] [--head-dim N]
 *     [--text-intermediate N] [--rope-theta X] [--rms-norm-eps X]
 *
 * Default: public/models/tiny-random/ (committed, < 1 MB). Same flags → same bytes.
 * --preset: the exact architecture and file structure of SmolVLM-256M/500M-Instruct with random
 * bf16 weights (presets.ts; ≈ 0.5 / 1 GB, so --out is required); --layers N cuts both towers to
 * N layers, keeping every width and the 49280-id vocabulary. Flags after the preset override it.
 * The output folder is cleared of files this writer produces before writing, so switching
 * between single-file and sharded checkpoints leaves no stale weights behind.
 */
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { isPresetName, PRESET_NAMES, presetOptions } from './presets.ts';
import { buildTinyModel, DEFAULT_TINY, type TinyModelOptions } from './tiny-model.ts';
import { writeFolderFiles } from './write-folder.ts';

/** --preset and --layers are read first (they choose the base); every other flag then overrides. */
function baseOptions(argv: string[]): { o: TinyModelOptions; preset: boolean } {
  const at = (flag: string) => { const i = argv.indexOf(flag); return i >= 0 ? argv[i + 1] : undefined; };
  const name = at('--preset'), layers = at('--layers');
  if (name === undefined) {
    if (layers !== undefined) throw new Error('--layers only applies with --preset');
    return { o: structuredClone(DEFAULT_TINY), preset: false };
  }
  if (!isPresetName(name)) throw new Error(`--preset must be one of ${PRESET_NAMES.join(', ')}, got ${name}`);
  const n = layers === undefined ? undefined : Number(layers);
  return { o: presetOptions(name, { layers: n }), preset: true };
}

function parseArgs(argv: string[]): { out: string; opts: Partial<TinyModelOptions> } {
  const { o, preset } = baseOptions(argv);
  let out: string | undefined = preset ? undefined : 'public/models/tiny-random';
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
    else if (a === '--preset' || a === '--layers') i++; // read by baseOptions
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
  if (out === undefined) throw new Error('--preset writes a large folder: give --out DIR');
  return { out, opts: o };
}

const { out, opts } = parseArgs(process.argv.slice(2));
const model = buildTinyModel(opts);
mkdirSync(out, { recursive: true });
for (const f of readdirSync(out)) {
  if (/^model.*\.safetensors(\.index\.json)?$/.test(f)) rmSync(join(out, f));
}
const total = writeFolderFiles(out, model.files);
for (const [path, bytes] of Object.entries(model.files)) console.log(`${path.padEnd(40)} ${bytes.byteLength} bytes`);
console.log(`wrote ${Object.keys(model.files).length} files, ${total} bytes, to ${out} ` +
  `(vocab ${model.config.text.vocab_size}, ${model.config.imageTokensPerImage} image tokens per image)`);
