// Match the image paths a dataset refers to against files the user dropped or picked.
// A dropped folder usually carries an extra top directory (`mydata/images/a.png` for the
// dataset's `images/a.png`), and Winoground names images without extension, so matching
// tries, in order: exact relative path, path suffix on a '/' boundary, basename, basename
// without extension. A level that matches several files is reported as ambiguous.
import { imagesOf, normalisePath, type Dataset } from './dataset.ts';
import type { Problem } from './errors.ts';

/** Anything with a relative path: a browser File (webkitRelativePath || name) or a Node path. */
export interface NamedFile {
  path: string;
}

export interface Resolution<F extends NamedFile> {
  /** dataset image path → matched file (only images that resolved). */
  images: Map<string, F>;
  /** Indices (into dataset.items) of items whose every image resolved. */
  usable: number[];
  /** One problem per item with a missing/ambiguous image, naming the item's source row. */
  problems: Problem[];
}

const stripExt = (p: string) => p.replace(/\.[^./]+$/, '');
const base = (p: string) => p.slice(p.lastIndexOf('/') + 1);

/** Convenience: File objects from a drop/picker → NamedFile wrappers. */
export function namedBrowserFiles(files: Iterable<File>): Array<NamedFile & { file: File }> {
  return [...files].map((file) => ({ path: file.webkitRelativePath || file.name, file }));
}

export function resolveImages<F extends NamedFile>(dataset: Dataset, files: readonly F[]): Resolution<F> {
  const norm = files.map((f) => ({ f, p: normalisePath(f.path) }));
  const index = (key: (p: string) => string) => {
    const m = new Map<string, F[]>();
    for (const { f, p } of norm) {
      const k = key(p);
      const list = m.get(k);
      if (list) list.push(f);
      else m.set(k, [f]);
    }
    return m;
  };
  const exact = index((p) => p);
  const byBase = index(base);
  const byStem = index((p) => stripExt(base(p)));

  const cache = new Map<string, { file?: F; reason?: string }>();
  const lookup = (img: string): { file?: F; reason?: string } => {
    const hit = cache.get(img);
    if (hit) return hit;
    const p = normalisePath(img);
    const levels: Array<[string, F[] | undefined]> = [
      ['path', exact.get(p)],
      ['path suffix', norm.filter((x) => x.p.endsWith('/' + p)).map((x) => x.f)],
      ['file name', byBase.get(base(p))],
      ['file name without extension', byStem.get(stripExt(base(p)))],
    ];
    let r: { file?: F; reason?: string } = { reason: `image "${img}" not found among ${files.length} provided files` };
    for (const [how, list] of levels) {
      if (!list || list.length === 0) continue;
      r = list.length === 1 ? { file: list[0] } : { reason: `image "${img}" is ambiguous: ${list.length} files match by ${how}` };
      break;
    }
    cache.set(img, r);
    return r;
  };

  const images = new Map<string, F>();
  const usable: number[] = [];
  const problems: Problem[] = [];
  dataset.items.forEach((item, i) => {
    let ok = true;
    for (const img of imagesOf(item)) {
      const r = lookup(img);
      if (r.file) images.set(img, r.file);
      else {
        ok = false;
        problems.push({ ...item.source, reason: r.reason! });
      }
    }
    if (ok) usable.push(i);
  });
  return { images, usable, problems };
}
