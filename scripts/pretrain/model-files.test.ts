// The pretraining script's pure parts: the seeded initial model (benchmark-caption BPE), the
// written folder loading back through the engine's own loaders with identical tensors, the
// ONNX vision encoder running in onnxruntime-web and agreeing with the CPU reference, the
// model card, and the command line.
import { readFileSync } from 'node:fs';
import * as ort from 'onnxruntime-web';
import { describe, expect, it } from 'vitest';
import { syntheticBenchmark } from '../../src/engine/data/synthetic/benchmark.ts';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { folderFromMap } from '../../src/engine/model/io/folder.ts';
import { SafetensorsFile } from '../../src/engine/model/io/safetensors.ts';
import { loadTokenizer } from '../../src/engine/model/io/tokenizer.ts';
import { visionForwardRef } from '../../src/engine/model/io/vision.ref.ts';
import { expectedWeights, isVisionWeight, loadWeights } from '../../src/engine/model/io/weights.ts';
import { commandLine, DEFAULTS, parsePretrainArgs } from './args.ts';
import type { CardInfo } from './card.ts';
import { initialModel, trainedFiles } from './model-files.ts';

ort.env.wasm.numThreads = 1;

const CARD: CardInfo = {
  name: 'discern-tiny-v9', dir: 'public/models/discern-tiny-v9', command: 'npm run pretrain -- --steps 7', steps: 7, batch: 3, lr: 2e-3, warmupSteps: 2, seed: 9, maxLongTokens: 64,
  firstLoss: 6.1, finalLoss: 2.25, evalLoss: 2.5, trainSec: 61, wallSec: 75, tokensPerSec: 321,
  samples: [{ id: 'test-00000', reference: 'a red cube', generated: 'a red | cube' }],
};

describe('pretrain model files', () => {
  const init = initialModel({ seed: 9, imageSize: 48 });

  it('initial model: seeded, 48-pixel images → 9 tokens, every benchmark caption word is one token', async () => {
    expect(init.config.vision.image_size).toBe(48);
    expect(init.config.imageTokensPerImage).toBe(9);
    expect(Buffer.compare(Buffer.from(initialModel({ seed: 9, imageSize: 48 }).files['model.safetensors']),
      Buffer.from(init.files['model.safetensors']))).toBe(0);
    const tok = await loadTokenizer(folderFromMap('init', init.files));
    const s = syntheticBenchmark().test[3];
    for (const text of [s.caption, s.longCaption]) {
      const words = text.match(/[A-Za-z]+|[^\sA-Za-z]/g)!;
      expect(tok.encode(' ' + text).length, text).toBe(words.length);
      expect(tok.decode(tok.encode(' ' + text))).toBe(' ' + text);
    }
  });

  it('trained folder loads back exactly through the engine loaders; the ONNX encoder matches the CPU reference', async () => {
    const trained = new Map(Object.entries(init.weights).map(([k, t], i) => [k, t.data.map((x, j) => x * 0.5 + Math.sin(i + j) * 0.01)]));
    const files = trainedFiles(init, trained, CARD);
    expect(Object.keys(files).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors',
      'onnx/vision_encoder.onnx', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    const folder = folderFromMap('trained', files);
    const config = parseVlmConfig(await folder.readJson('config.json'));
    expect(config).toEqual(init.config);
    const st = await SafetensorsFile.open(folder.open('model.safetensors'));
    expect(st.names().sort()).toEqual(expectedWeights(config).map((w) => w.name).sort());
    const loaded = await loadWeights(folder, config);
    for (const [name, data] of trained) expect(Buffer.compare(Buffer.from(loaded.get(name)!.data.buffer), Buffer.from(data.buffer)), name).toBe(0);
    expect((await loadTokenizer(folder)).encode(' a red cube')).toEqual((await loadTokenizer(folderFromMap('i', init.files))).encode(' a red cube'));

    const session = await ort.InferenceSession.create(files['onnx/vision_encoder.onnx']);
    const S = 48;
    const pixels = new Float32Array(3 * S * S).map((_, i) => Math.cos(i * 0.11) * 0.8);
    const out = await session.run({
      pixel_values: new ort.Tensor('float32', pixels, [1, 1, 3, S, S]),
      pixel_attention_mask: new ort.Tensor('bool', new Uint8Array(S * S).fill(1), [1, 1, S, S]),
    });
    expect(out.image_features.dims).toEqual([1, 9, 64]);
    const ref = visionForwardRef(await loadWeights(folder, config, { only: isVisionWeight }), config, pixels, 1);
    const got = out.image_features.data as Float32Array;
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i] - ref.features[i]));
    expect(worst).toBeLessThan(1e-4);

    const card = new TextDecoder().decode(files['README.md']);
    for (const s of ['7 steps, batch 3', 'seed 9', '6.100', '2.250', 'npm run pretrain -- --steps 7', 'a red \\| cube']) expect(card).toContain(s);
    // titled by its folder; not the default model, so the card does not claim to be; the caption
    // evaluation (run afterwards on these weights) is announced with its command; the parameter count is computed
    expect(card).toContain('# discern-tiny-v9\n');
    expect(card).toContain("It is not the playground's default (`discern-tiny-v2` is)");
    expect(card).not.toContain('It is the default model');
    expect(card).toContain('Not run on these weights yet: `npm run caption-eval -- --model public/models/discern-tiny-v9`');
    expect(card).toMatch(/A \d+k-parameter model shown 21 captions in this run \(7 steps × 3\)/);
    const dflt = new TextDecoder().decode(trainedFiles(init, trained, { ...CARD, name: 'discern-tiny-v2' })['README.md']);
    expect(dflt).toContain('It is the default model of the playground');
    expect(() => trainedFiles(init, new Map([...trained].slice(1)), CARD)).toThrow(/missing/);
    expect(() => trainedFiles(init, new Map([...trained, ['extra.weight', new Float32Array(1)]]), CARD)).toThrow(/unexpected tensors extra\.weight/);
  });

  it('command line: defaults, overrides, reproduce command, errors name the flag', () => {
    expect(parsePretrainArgs([])).toEqual(DEFAULTS);
    const a = parsePretrainArgs(['--steps', '5', '--batch', '2', '--lr', '1e-3', '--out', '/tmp/x', '--profile']);
    expect(a).toMatchObject({ steps: 5, batch: 2, lr: 1e-3, out: '/tmp/x', warmup: 5, profile: true });
    expect(commandLine(parsePretrainArgs(['--steps', '5', '--seed', '3']))).toBe('npm run pretrain -- --steps 5 --warmup 5 --seed 3'); // warmup clamped to steps
    expect(commandLine(DEFAULTS)).toBe('npm run pretrain');
    expect(() => parsePretrainArgs(['--steps', '0'])).toThrow(/--steps needs a positive integer, got 0/);
    expect(() => parsePretrainArgs(['--lr', 'x'])).toThrow(/--lr needs a number/);
    expect(() => parsePretrainArgs(['--image-size', '40'])).toThrow(/--image-size must be a multiple of 16/);
    expect(() => parsePretrainArgs(['--bogus'])).toThrow(/unknown argument --bogus/);
  });

  it('--init-from: parsed, part of the reproduce command, refused with --bench; the shipped v1 folder has the config the defaults build', () => {
    const a = parsePretrainArgs(['--init-from', 'public/models/discern-tiny', '--steps', '9']);
    expect(a.initFrom).toBe('public/models/discern-tiny');
    expect(commandLine(a)).toBe('npm run pretrain -- --steps 9 --warmup 9 --init-from public/models/discern-tiny');
    expect(() => parsePretrainArgs(['--init-from'])).toThrow(/--init-from needs a directory/);
    expect(() => parsePretrainArgs(['--bench', '--init-from', 'x'])).toThrow(/--init-from does not go with --bench/);
    // what `--init-from public/models/discern-tiny` compares byte for byte before it starts
    const init = initialModel({ seed: DEFAULTS.seed, imageSize: DEFAULTS.imageSize });
    expect(new TextDecoder().decode(init.files['config.json'])).toBe(readFileSync('public/models/discern-tiny/config.json', 'utf8'));
    const card = new TextDecoder().decode(trainedFiles(init, new Map(Object.entries(init.weights).map(([k, t]) => [k, t.data as Float32Array])),
      { ...CARD, initFrom: 'public/models/discern-tiny' })['README.md']);
    expect(card).toContain('Initialised from the weights of `public/models/discern-tiny`');
  });
});
