// The worker side of src/protocol/ui_work.ts: pure CPU work the screens ask for (no GPU, no
// model). The handler's switch sends these request types here; each returns its result and
// the buffers to transfer.
//   synthetic-scenes  generateSynthetic with load-data's split sizes, only `limit` scenes rendered
//   preview-data      the same dataset-file choice, decoding and image matching as load-data
//   eval-plan/-score  engine/eval/synthetic_eval.ts (the plan `discern eval` scores)
//   rank              eval/topk.ts similarity + topK
import { decodeDatasetText } from '../data/formats/text.ts';
import { parseDatasetFile } from '../data/formats/index.ts';
import { resolveImages } from '../data/resolve.ts';
import { generateSynthetic } from '../data/synthetic/generate.ts';
import { encodePng } from '../data/synthetic/png.ts';
import { renderScene } from '../data/synthetic/raster.ts';
import { planSyntheticEval, scoreSyntheticEval } from '../eval/synthetic_eval.ts';
import { similarity, topK } from '../eval/topk.ts';
import type { NamedBlob, PreviewTile, SyntheticSceneImage, UiWorkApi } from '../../protocol/messages.ts';

export type UiWorkType = keyof UiWorkApi;
type Out<K extends UiWorkType> = { result: UiWorkApi[K]['result']; transfer?: Transferable[] };

export const UI_WORK_TYPES: readonly UiWorkType[] = ['synthetic-scenes', 'preview-data', 'eval-plan', 'eval-score', 'rank'];

export function isUiWork(type: string): type is UiWorkType {
  return (UI_WORK_TYPES as readonly string[]).includes(type);
}

/** Scenes are rendered at the synthetic dataset's size (data/synthetic/files.ts). */
const SIZE = 64;
const DATASET_RE = /\.(jsonl|csv|json)$/i;
const IMAGE_RE = /\.(png|jpe?g|webp|gif|bmp)$/i;

const count = (what: string, v: unknown, lo: number) => {
  if (!Number.isInteger(v) || (v as number) < lo) throw new RangeError(`${what} must be an integer ≥ ${lo}, got ${String(v)}`);
  return v as number;
};

const copyBuffer = (b: Uint8Array) => b.slice().buffer as ArrayBuffer;

export function syntheticScenes(args: UiWorkApi['synthetic-scenes']['args']): Out<'synthetic-scenes'> {
  const n = count('synthetic-scenes: count', args.count, 1);
  const limit = args.limit === undefined ? Infinity : count('synthetic-scenes: limit', args.limit, 0);
  // train: load-data's sizes (host/data.ts syntheticData); test: what the gallery and eval use.
  const sizes = args.split === 'train' ? { train: n, val: Math.max(4, Math.floor(n / 4)), test: 0 } : { train: 0, val: 0, test: n };
  const ds = generateSynthetic({ seed: args.seed, ...sizes, winoground: 0 });
  const scenes: SyntheticSceneImage[] = ds[args.split].slice(0, limit).map((s) => ({
    id: s.id, path: `images/${args.split}/${s.id}.png`, caption: s.caption,
    png: copyBuffer(encodePng(renderScene(s.scene, SIZE, SIZE), SIZE, SIZE)),
  }));
  return { result: { scenes }, transfer: scenes.map((s) => s.png) };
}

async function bytesOf(b: Blob | ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(b instanceof ArrayBuffer ? b : await b.arrayBuffer());
}

export async function previewData(args: UiWorkApi['preview-data']['args']): Promise<Out<'preview-data'>> {
  const limit = args.limit === undefined ? Infinity : count('preview-data: limit', args.limit, 0);
  const named = args.files.map((f: NamedBlob, index) => ({ path: f.path, data: f.data, index }));
  const candidates = named.filter((f) => DATASET_RE.test(f.path) && !/(^|\/)(manifest|config)\.json$/i.test(f.path));
  const file = candidates.length === 1 ? candidates[0] : candidates.find((f) => /(^|\/)captions_train\./i.test(f.path));
  if (!file) {
    const tiles: PreviewTile[] = named.filter((f) => IMAGE_RE.test(f.path)).slice(0, limit).map((f) => ({ index: f.index, path: f.path, caption: null }));
    return { result: { dataset: null, tiles, problems: [], warnings: [] } };
  }
  const decoded = decodeDatasetText(await bytesOf(file.data), file.path);
  const parsed = parseDatasetFile(file.path, decoded.text);
  if (parsed.kind !== 'captions') return { result: { dataset: file.path, tiles: [], problems: parsed.problems, warnings: decoded.warnings } };
  const res = resolveImages(parsed, named);
  const tiles = res.usable.slice(0, limit).map((i): PreviewTile => {
    const item = parsed.items[i];
    const f = res.images.get(item.image)!;
    return { index: f.index, path: f.path, caption: item.captions[0] ?? item.longCaptions[0] ?? '' };
  });
  return { result: { dataset: file.path, tiles, problems: [...parsed.problems, ...res.problems], warnings: decoded.warnings } };
}

export function evalPlan(args: UiWorkApi['eval-plan']['args']): Out<'eval-plan'> {
  const plan = planSyntheticEval(count('eval-plan: count', args.count, 1), args.seed);
  const pngs = plan.images.map((p) => copyBuffer(plan.files.get(p)!));
  const { images, texts, n, probes, wino } = plan;
  return { result: { images, pngs, texts, n, probes, wino }, transfer: pngs };
}

/** A Float32 [rows, dim] table from a buffer; rows = undefined accepts any whole number of rows. */
function table(what: string, b: ArrayBuffer, dim: number, rows?: number): Float32Array {
  const bytes = b instanceof ArrayBuffer ? b.byteLength : -1;
  if (rows === undefined ? bytes < 0 || bytes % (dim * 4) !== 0 : bytes !== rows * dim * 4) {
    const want = rows === undefined ? `a whole number of ${dim}-float32 rows` : `${rows}×${dim} float32 values (${rows * dim * 4} bytes)`;
    throw new RangeError(`${what}: expected ${want}, got ${bytes < 0 ? typeof b : `${bytes} bytes`}`);
  }
  return new Float32Array(b);
}

export function evalScore(args: UiWorkApi['eval-score']['args']): Out<'eval-score'> {
  const { items } = args;
  const dim = count('eval-score: dim', args.dim, 1);
  const T = table('eval-score: texts', args.texts, dim);
  const I = table('eval-score: images', args.images, dim);
  // Rows the items point at must exist: a short table would score NaN silently.
  const textRows = Math.max(items.n, ...items.probes.map((p) => Math.max(p.pos, p.neg) + 1), ...items.wino.map((w) => Math.max(...w.caps) + 1));
  const imageRows = Math.max(items.n, ...items.probes.map((p) => p.image + 1), ...items.wino.map((w) => Math.max(...w.imgs) + 1));
  if (T.length / dim < textRows || I.length / dim < imageRows) {
    throw new RangeError(`eval-score: the plan needs ${textRows} text and ${imageRows} image rows, got ${T.length / dim} and ${I.length / dim}`);
  }
  return { result: scoreSyntheticEval(items, T, I, dim) };
}

export function rank(args: UiWorkApi['rank']['args']): Out<'rank'> {
  const n = count('rank: n', args.n, 1);
  const dim = count('rank: dim', args.dim, 1);
  const k = count('rank: k', args.k, 1);
  const q = table('rank: query', args.query, dim, 1);
  const g = table('rank: gallery', args.gallery, dim, n);
  const top = topK(similarity(q, g, 1, n, dim), 1, n, k);
  return { result: { indices: Array.from(top.indices), scores: Array.from(top.scores) } };
}

export async function uiWork(type: UiWorkType, args: UiWorkApi[UiWorkType]['args']): Promise<{ result: unknown; transfer?: Transferable[] }> {
  switch (type) {
    case 'synthetic-scenes': return syntheticScenes(args as UiWorkApi['synthetic-scenes']['args']);
    case 'preview-data': return previewData(args as UiWorkApi['preview-data']['args']);
    case 'eval-plan': return evalPlan(args as UiWorkApi['eval-plan']['args']);
    case 'eval-score': return evalScore(args as UiWorkApi['eval-score']['args']);
    case 'rank': return rank(args as UiWorkApi['rank']['args']);
  }
}
