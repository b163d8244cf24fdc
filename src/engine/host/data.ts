// Training data of the worker protocol → images (bytes) + examples that point at them.
//
//   synthetic {count, seed}: the seeded synthetic scenes rendered to PNG (the same bytes the
//     Node writer produces, so the feature cache key is stable across runs); count train
//     scenes, max(4, count/4) validation scenes.
//   files: exactly one dataset file (captions .jsonl / .csv / COCO .json) among the files,
//     or the one named like captions_train.* when several; images are matched by relative
//     path (data/resolve.ts). A `captions_val.*` next to it becomes the validation split,
//     otherwise the last 10 % of the usable items (at least 2, when there are ≥ 10).
// One example per image: its first short caption and first long caption (in-batch
// negatives must be other images, so an image is never paired twice in one epoch). A later
// row for an image already used (same file, or the validation file repeating a training image:
// a leak) is skipped with a problem naming both lines. A dataset file that is not UTF-8 is read
// as Windows-1252 with a warning (formats/text.ts); warnings do not skip anything.
// Problems (bad rows, missing images) are collected, never thrown; no usable item at all
// throws DataInputError with the problems.
import type { CaptionItem } from '../data/dataset.ts';
import { DatasetError, formatProblem, type Problem } from '../data/errors.ts';
import { parseDatasetFile } from '../data/formats/index.ts';
import { decodeDatasetText } from '../data/formats/text.ts';
import { resolveImages } from '../data/resolve.ts';
import { syntheticFiles } from '../data/synthetic/files.ts';
import type { DataSource, NamedBlob } from '../../protocol/messages.ts';
import type { ImageInput } from './feature_cache.ts';

export interface HostExample {
  /** Index into `images` (later: row of the feature table). */
  image: number;
  short: string;
  long: string | null;
}

export interface HostData {
  file: string;
  images: ImageInput[];
  train: HostExample[];
  validation: HostExample[];
  problems: Problem[];
  /** Used as loaded, but the user should know (e.g. a Latin-1 file read as Windows-1252). */
  warnings: Problem[];
}

export class DataInputError extends Error {
  override readonly name = 'DataInputError';
  constructor(readonly problems: Problem[], detail: string) {
    super(`${detail}${problems.length ? `:\n  ${problems.slice(0, 10).map(formatProblem).join('\n  ')}${problems.length > 10 ? `\n  … and ${problems.length - 10} more` : ''}` : ''}`);
  }
}

interface PathBlob { path: string; blob: Blob | ArrayBuffer }

function named(f: File | NamedBlob): PathBlob {
  if (f instanceof File) return { path: f.webkitRelativePath || f.name, blob: f };
  return { path: f.path, blob: f.data };
}

async function bytesOf(b: Blob | ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(b instanceof ArrayBuffer ? b : await b.arrayBuffer());
}

export function syntheticData(count: number, seed: number): HostData {
  if (!Number.isInteger(count) || count < 2) throw new DataInputError([], `load-data: synthetic count must be an integer ≥ 2, got ${count}`);
  const val = Math.max(4, Math.floor(count / 4));
  const { dataset, files } = syntheticFiles({ seed, train: count, val, test: 0, winoground: 0 });
  const images: ImageInput[] = [];
  const examples = (split: 'train' | 'val') =>
    dataset[split].map((s) => {
      const name = `images/${split}/${s.id}.png`;
      images.push({ name, bytes: files.get(name)! });
      return { image: images.length - 1, short: s.caption, long: s.longCaption };
    });
  const train = examples('train');
  const validation = examples('val');
  return { file: `synthetic(seed=${seed}, count=${count})`, images, train, validation, problems: [], warnings: [] };
}

const DATASET_RE = /\.(jsonl|csv|json)$/i;

/** Image path → the row that first used it as an example, across both splits. */
type UsedBy = Map<string, { file: string; where: string }>;

async function captionItems(file: PathBlob, all: PathBlob[], problems: Problem[], warnings: Problem[], images: ImageInput[], index: Map<string, number>, used: UsedBy): Promise<HostExample[]> {
  const decoded = decodeDatasetText(await bytesOf(file.blob), file.path);
  warnings.push(...decoded.warnings);
  const ds = parseDatasetFile(file.path, decoded.text);
  if (ds.kind !== 'captions') throw new DatasetError(file.path, `is a ${ds.kind} file; training needs image captions (.jsonl/.csv/COCO .json)`);
  problems.push(...ds.problems);
  const res = resolveImages(ds, all);
  problems.push(...res.problems);
  const out: HostExample[] = [];
  for (const i of res.usable) {
    const item: CaptionItem = ds.items[i];
    const short = item.captions[0];
    if (!short) {
      problems.push({ ...item.source, reason: `image "${item.image}" has no short caption (< 30 tokens) to train contrastively` });
      continue;
    }
    const f = res.images.get(item.image)!;
    const first = used.get(f.path);
    if (first !== undefined) {
      const leak = first.file !== item.source.file ? '; a validation image seen in training also leaks' : '';
      problems.push({ ...item.source, reason: `image "${item.image}" is already the example of ${first.where}; this row is skipped (one example per image: a second one would be its own in-batch negative${leak})` });
      continue;
    }
    used.set(f.path, { file: item.source.file, where: `${item.source.file}${item.source.line !== undefined ? `:${item.source.line}` : ''}` });
    let row = index.get(f.path);
    if (row === undefined) {
      row = images.push({ name: f.path, bytes: await bytesOf(f.blob) }) - 1;
      index.set(f.path, row);
    }
    out.push({ image: row, short, long: item.longCaptions[0] ?? null });
  }
  return out;
}

export async function filesData(files: (File | NamedBlob)[]): Promise<HostData> {
  const all = files.map(named);
  const candidates = all.filter((f) => DATASET_RE.test(f.path) && !/(^|\/)(manifest|config)\.json$/i.test(f.path));
  const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);
  const trainFile = candidates.length === 1 ? candidates[0] : candidates.find((f) => /^captions_train\./i.test(base(f.path)));
  if (!trainFile) {
    const names = candidates.map((c) => c.path).join(', ') || 'none';
    throw new DataInputError([], `load-data: expected one dataset file (captions .jsonl/.csv/COCO .json) or one named captions_train.*; found ${names}`);
  }
  const problems: Problem[] = [];
  const warnings: Problem[] = [];
  const images: ImageInput[] = [];
  const index = new Map<string, number>();
  const used: UsedBy = new Map();
  const train = await captionItems(trainFile, all, problems, warnings, images, index, used);
  const valFile = candidates.find((f) => f !== trainFile && /^captions_val\./i.test(base(f.path)));
  let validation = valFile ? await captionItems(valFile, all, problems, warnings, images, index, used) : [];
  if (!valFile && train.length >= 10) validation = train.splice(train.length - Math.max(2, Math.floor(train.length / 10)));
  if (train.length < 2) throw new DataInputError(problems, `${trainFile.path}: only ${train.length} usable training example(s); at least 2 are needed`);
  return { file: trainFile.path, images, train, validation, problems, warnings };
}

export function buildHostData(src: DataSource): Promise<HostData> {
  return src.kind === 'synthetic' ? Promise.resolve(syntheticData(src.count, src.seed)) : filesData(src.files);
}
