// State of the Retrieve screen (its own small zustand store; it consumes no worker events —
// progress is counted here per embed chunk, so the main store stays the only event sink).
//
//   images      the gallery: dropped files or synthetic test scenes (PNG bytes + object URL)
//   captions    candidate captions for image → text (synthetic captions + typed ones)
//   cache       embeddings by `${variant}|img|${sha256}` and `${variant}|txt|${text}`, where
//               variant = variantOf(mode): model id + base, or run/step/imported adapter
// Similarities are cosine (unit vectors from the worker); the worker ranks them (`rank`), the
// synthetic gallery comes from it too (`synthetic-scenes`, split 'test').
import { create } from 'zustand';
import { getEngine } from '../engine.ts';
import { useStore } from '../store.ts';

export interface GalleryImage {
  name: string;
  url: string;
  bytes: ArrayBuffer;
  hash: string;
  /** Why the worker could not embed it (decode failure), if so. */
  problem?: string;
}

export interface Hit {
  index: number;
  score: number;
}

export type Mode = 'base' | 'tuned';

export interface RetrieveState {
  images: GalleryImage[];
  captions: string[];
  mode: Mode;
  cache: Map<string, Float32Array>;
  status: 'idle' | 'embedding' | 'ready' | 'error';
  progress: { done: number; total: number };
  error?: string;
  textHits: { query: string; hits: Hit[] } | null;
  imageHits: { image: number; captions: Hit[]; images: Hit[] } | null;
  addFiles(files: File[]): Promise<void>;
  addSynthetic(count: number, seed?: number): Promise<void>;
  addCaptions(text: string): void;
  clear(): void;
  setMode(m: Mode): void;
  embedGallery(): Promise<void>;
  queryText(q: string, k: number): Promise<void>;
  queryImage(i: number, k: number): Promise<void>;
}

/** Images per embed request: the progress bar advances per chunk. */
const CHUNK = 4;

async function sha256(bytes: ArrayBuffer): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(d.subarray(0, 12), (b) => b.toString(16).padStart(2, '0')).join('');
}

async function toImage(name: string, bytes: ArrayBuffer, type = 'image/png'): Promise<GalleryImage> {
  return { name, bytes, hash: await sha256(bytes), url: URL.createObjectURL(new Blob([bytes], { type })) };
}

/**
 * The model + adapter state an embedding belongs to: model id, then 'base' or the run, its
 * step and the last adapter import (a new step or an imported adapter → new vectors).
 */
export function variantOf(mode: Mode): string {
  const st = useStore.getState();
  const model = st.model.info?.modelId ?? 'none';
  if (mode === 'base') return `${model}|base`;
  const t = st.train;
  return `${model}|tuned:${t.runId ?? t.lastRunId ?? 'init'}:${t.step}:${t.adapterNote ?? ''}`;
}

const msg = (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e));

export const useGallery = create<RetrieveState>((set, get) => {
  /** Text embeddings for `texts` under the current mode, through the cache. */
  async function embedTexts(texts: string[]): Promise<Float32Array[]> {
    const { mode, cache } = get();
    const v = variantOf(mode);
    const missing = [...new Set(texts.filter((t) => !cache.has(`${v}|txt|${t}`)))];
    if (missing.length) {
      const r = await getEngine().request('embed', { texts: missing, base: mode === 'base' });
      const all = new Float32Array(r.texts!);
      missing.forEach((t, i) => cache.set(`${v}|txt|${t}`, all.slice(i * r.dim, (i + 1) * r.dim)));
    }
    return texts.map((t) => cache.get(`${v}|txt|${t}`)!);
  }

  /** Gallery rows that have an embedding under the current mode: [n, D] + their indices. */
  function galleryMatrix(): { rows: number[]; emb: Float32Array; dim: number } {
    const { images, cache, mode } = get();
    const v = variantOf(mode);
    const rows = images.map((_, i) => i).filter((i) => cache.has(`${v}|img|${images[i].hash}`));
    if (!rows.length) throw new Error('no embedded images: add images and press “Embed gallery” first');
    const dim = cache.get(`${v}|img|${images[rows[0]].hash}`)!.length;
    const emb = new Float32Array(rows.length * dim);
    rows.forEach((i, r) => emb.set(cache.get(`${v}|img|${images[i].hash}`)!, r * dim));
    return { rows, emb, dim };
  }

  /** Top-k of query [dim] over gallery [n, dim] (one more when `skip`, the query's own row, may be among them). */
  async function rank(query: Float32Array, gallery: Float32Array, n: number, dim: number, k: number, map: (j: number) => number, skip = -1): Promise<Hit[]> {
    const args = { query: query.slice().buffer, gallery: gallery.slice().buffer, n, dim, k: Math.min(n, k + (skip >= 0 ? 1 : 0)) };
    const top = await getEngine().request('rank', args);
    const hits: Hit[] = [];
    for (let j = 0; j < top.indices.length; j++) {
      const idx = top.indices[j];
      if (idx < 0 || map(idx) === skip) continue;
      hits.push({ index: map(idx), score: top.scores[j] });
    }
    return hits.slice(0, k);
  }

  return {
    images: [], captions: [], mode: 'tuned', cache: new Map(), status: 'idle', progress: { done: 0, total: 0 },
    textHits: null, imageHits: null,

    async addFiles(files) {
      const imgs = await Promise.all(files.filter((f) => f.type.startsWith('image/') || /\.(png|jpe?g|webp|gif|bmp)$/i.test(f.name))
        .map(async (f) => toImage(f.name, await f.arrayBuffer(), f.type || 'image/png')));
      set((s) => ({ images: [...s.images, ...imgs], status: s.status === 'ready' && imgs.length ? 'idle' : s.status }));
    },

    async addSynthetic(count, seed = 11) {
      try {
        const { scenes } = await getEngine().request('synthetic-scenes', { split: 'test', count, seed });
        const imgs = await Promise.all(scenes.map((s) => toImage(`${s.id}.png`, s.png)));
        set((s) => ({
          images: [...s.images, ...imgs], status: 'idle',
          captions: [...s.captions, ...scenes.map((x) => x.caption).filter((c) => !s.captions.includes(c))],
        }));
      } catch (e) {
        set({ error: msg(e) });
      }
    },

    addCaptions(text) {
      const add = text.split('\n').map((l) => l.trim()).filter(Boolean);
      set((s) => ({ captions: [...s.captions, ...add.filter((c) => !s.captions.includes(c))] }));
    },

    clear() {
      for (const im of get().images) URL.revokeObjectURL(im.url);
      set({ images: [], captions: [], textHits: null, imageHits: null, status: 'idle', progress: { done: 0, total: 0 }, error: undefined });
    },

    setMode(mode) {
      set({ mode, textHits: null, imageHits: null, status: 'idle' });
    },

    async embedGallery() {
      const { images, cache, mode } = get();
      const v = variantOf(mode);
      const todo = [...new Set(images.map((im, i) => (cache.has(`${v}|img|${im.hash}`) ? -1 : i)).filter((i) => i >= 0))];
      set({ status: 'embedding', error: undefined, progress: { done: 0, total: todo.length } });
      try {
        for (let s = 0; s < todo.length; s += CHUNK) {
          const part = todo.slice(s, s + CHUNK);
          const r = await getEngine().request('embed', {
            images: part.map((i) => ({ path: `${i}/${images[i].name}`, data: images[i].bytes.slice(0) })), base: mode === 'base',
          });
          const all = new Float32Array(r.images ?? new ArrayBuffer(0));
          r.imageNames.forEach((path, row) => {
            const i = Number(path.slice(0, path.indexOf('/')));
            cache.set(`${v}|img|${images[i].hash}`, all.slice(row * r.dim, (row + 1) * r.dim));
          });
          if (r.problems.length) {
            const bad = new Map(r.problems.map((p) => [p.file, p.reason]));
            set((st) => ({ images: st.images.map((im, i) => (bad.has(`${i}/${im.name}`) ? { ...im, problem: bad.get(`${i}/${im.name}`) } : im)) }));
          }
          set({ progress: { done: Math.min(todo.length, s + CHUNK), total: todo.length } });
        }
        set({ status: 'ready' });
      } catch (e) {
        set({ status: 'error', error: msg(e) });
      }
    },

    async queryText(q, k) {
      try {
        const [t] = await embedTexts([q]);
        const { rows, emb, dim } = galleryMatrix();
        set({ textHits: { query: q, hits: await rank(t, emb, rows.length, dim, k, (j) => rows[j]) }, error: undefined });
      } catch (e) {
        set({ error: msg(e) });
      }
    },

    async queryImage(i, k) {
      try {
        const { rows, emb, dim } = galleryMatrix();
        const r = rows.indexOf(i);
        if (r < 0) throw new Error(`image ${get().images[i]?.name} has no embedding yet (or could not be decoded)`);
        const q = emb.slice(r * dim, (r + 1) * dim);
        const caps = get().captions;
        let captions: Hit[] = [];
        if (caps.length) {
          const T = await embedTexts(caps);
          const tm = new Float32Array(caps.length * dim);
          T.forEach((t, j) => tm.set(t, j * dim));
          captions = await rank(q, tm, caps.length, dim, k, (j) => j);
        }
        const images = await rank(q, emb, rows.length, dim, k, (j) => rows[j], i);
        set({ imageHits: { image: i, captions, images }, error: undefined });
      } catch (e) {
        set({ error: msg(e) });
      }
    },
  };
});
