// `npx tsx scripts/caption-eval/where-probe.ts [--model DIR] [--quick]`
// Does a pretrained folder's vision encoder keep *where* an object is? (diagnosis for
// caption-eval: a model can name colours and shapes and still place every object at random.)
// Renders one object in each of the 9 grid cells for every shape × colour × size (--quick: 2
// shapes, 2 colours, 1 size), runs the folder's onnx/vision_encoder.onnx (vision tower +
// connector, onnxruntime-web wasm in Node) and prints
//   * per cell, which of the image tokens deviates most from the mean over all scenes, and
//   * how often a nearest-cell-mean probe on the flattened [tokens × hidden] features places
//     held-out objects (every other object, in all its cells) in the right cell (chance 1/9),
//     and the same probe from the object's own token's features alone (position in the content).
// The last line is `WHERE_PROBE {json}`. Exit 0 ok, 1 failed, 2 bad command line.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import * as ort from 'onnxruntime-web';
import { preprocessRgba, type PreprocessorConfig } from '../../src/engine/data/preprocess.ts';
import { renderScene } from '../../src/engine/data/synthetic/raster.ts';
import { COLOURS, SHAPES, SIZES, type SceneObject } from '../../src/engine/data/synthetic/scene.ts';
import { parseVlmConfig } from '../../src/engine/model/config.ts';
import { REPO_ROOT } from '../headless-page.ts';

ort.env.wasm.numThreads = 1;
const CELLS = 9;

export interface WhereProbe {
  tokens: number;
  /** [cell][token]: how many of the cell's scenes had that token deviate most from the mean. */
  perCellArgmax: number[][];
  /** Held-out objects placed in the right cell from all [tokens × hidden] features. */
  probeCorrect: number;
  /** … from the object's own token's [hidden] features only (position in the content, not the index). */
  tokenProbeCorrect: number;
  probeTotal: number;
}

export async function whereProbe(dir: string, quick: boolean): Promise<WhereProbe> {
  const pre = JSON.parse(readFileSync(join(dir, 'preprocessor_config.json'), 'utf8')) as PreprocessorConfig;
  const config = parseVlmConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  const session = await ort.InferenceSession.create(readFileSync(join(dir, 'onnx/vision_encoder.onnx')));
  type Row = { f: Float32Array; cell: number };
  const rows: Row[] = [];
  let i = 0;
  for (const shape of quick ? SHAPES.slice(0, 2) : SHAPES) for (const colour of quick ? COLOURS.slice(0, 2) : COLOURS)
    for (const size of quick ? SIZES.slice(0, 1) : SIZES) for (let cell = 0; cell < CELLS; cell++) {
      const o: SceneObject = { shape, colour, size, col: cell % 3, row: Math.floor(cell / 3), jx: ((i * 7) % 5) - 2, jy: ((i * 3) % 5) - 2 };
      i++;
      const px = preprocessRgba(renderScene({ objects: [o] }), 64, 64, pre);
      const out = await session.run({
        pixel_values: new ort.Tensor('float32', px.pixels, [1, 1, 3, px.size, px.size]),
        pixel_attention_mask: new ort.Tensor('bool', px.mask, [1, 1, px.size, px.size]),
      });
      const f = Float32Array.from(out.image_features.data as Float32Array);
      const want = config.imageTokensPerImage * config.text.hidden_size;
      if (f.length !== want) throw new Error(`${dir}: the ONNX encoder gave ${f.length} features, config.json says ${config.imageTokensPerImage} tokens × ${config.text.hidden_size}`);
      rows.push({ f, cell });
    }
  const T = config.imageTokensPerImage, H = config.text.hidden_size, D = T * H; // features [T image tokens, H]
  const mean = new Float64Array(D);
  for (const r of rows) for (let d = 0; d < D; d++) mean[d] += r.f[d] / rows.length;
  const perCellArgmax = Array.from({ length: CELLS }, () => new Array<number>(T).fill(0));
  for (const r of rows) {
    let best = -1, bt = 0;
    for (let t = 0; t < T; t++) {
      let s = 0;
      for (let h = 0; h < H; h++) s += (r.f[t * H + h] - mean[t * H + h]) ** 2;
      if (s > best) [best, bt] = [s, t];
    }
    perCellArgmax[r.cell][bt]++;
  }
  // Split by object, not by scene: every object (shape × colour × size) is either in all 9 cells of the
  // probe's training half or in none, so the cell means carry the same mix of objects and only the
  // position tells them apart (an alternating split leaves each cell mean with other objects than
  // the held-out ones, and object identity, the larger signal, then decides).
  const isTrain = (k: number) => Math.floor(k / CELLS) % 2 === 0;
  const probe = (view: (r: Row) => Float32Array): number => {
    const dim = view(rows[0]).length;
    const centroid = Array.from({ length: CELLS }, () => new Float64Array(dim)), n = new Array<number>(CELLS).fill(0);
    rows.forEach((r, k) => { if (isTrain(k)) { n[r.cell]++; const f = view(r); for (let d = 0; d < dim; d++) centroid[r.cell][d] += f[d]; } });
    centroid.forEach((c, cell) => c.forEach((_, d) => (c[d] /= Math.max(1, n[cell]))));
    let correct = 0;
    rows.forEach((r, k) => {
      if (isTrain(k)) return;
      const f = view(r);
      let best = Infinity, bc = -1;
      for (let c = 0; c < CELLS; c++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += (f[d] - centroid[c][d]) ** 2;
        if (s < best) [best, bc] = [s, c];
      }
      if (bc === r.cell) correct++;
    });
    return correct;
  };
  const probeTotal = rows.filter((_, k) => !isTrain(k)).length;
  const probeCorrect = probe((r) => r.f);
  // The object's own token alone (the token of its cell): does its content say where it is, or
  // only which token it sits in? A decoder reads the index only through attention positions (RoPE).
  const tokenProbeCorrect = probe((r) => r.f.subarray(r.cell * H, (r.cell + 1) * H));
  return { tokens: T, perCellArgmax, probeCorrect, tokenProbeCorrect, probeTotal };
}

async function main(argv: string[]): Promise<number> {
  let model = 'public/models/discern-tiny-v2', quick = false;
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--quick') quick = true;
    else if (argv[k] === '--model' && argv[k + 1]) model = argv[++k];
    else { console.error(`where-probe: unknown argument ${argv[k]}\nusage: npx tsx scripts/caption-eval/where-probe.ts [--model DIR] [--quick]`); return 2; }
  }
  const r = await whereProbe(resolve(REPO_ROOT, model), quick);
  console.log(`where-probe: ${model}, ${r.tokens} image tokens; per cell, the token that deviates most from the mean (counts):`);
  r.perCellArgmax.forEach((row, c) => console.log(`  cell ${c} (row ${Math.floor(c / 3)}, col ${c % 3}): ${row.join(' ')}`));
  console.log(`  nearest cell-mean probe on held-out objects: ${r.probeCorrect}/${r.probeTotal} = ${(100 * r.probeCorrect / r.probeTotal).toFixed(1)} % (chance 11.1 %)`);
  console.log(`  the same from the object's own token only: ${r.tokenProbeCorrect}/${r.probeTotal} = ${(100 * r.tokenProbeCorrect / r.probeTotal).toFixed(1)} %`);
  console.log('WHERE_PROBE ' + JSON.stringify(r));
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.dirname, 'where-probe.ts')) {
  main(process.argv.slice(2)).then((c) => process.exit(c), (e: Error) => { console.error(`where-probe: failed: ${e.message}`); process.exit(1); });
}
