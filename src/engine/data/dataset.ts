// The Dataset model shared by every format parser. Images are referenced by the RELATIVE
// path written in the dataset file (e.g. `images/000123.jpg`); bytes are attached later by
// `resolveImages` (resolve.ts) from the files a user dropped or picked.
import type { SugarCrepeCategory } from '../../shared/eval.ts';
import type { Problem } from './errors.ts';

export type { Problem } from './errors.ts';

/** Where an item came from, so later problems (missing image, decode error) can name it. */
export interface Source {
  file: string;
  line?: number;
  path?: string;
}

/** One image with its captions (captions.jsonl / .csv / COCO). */
export interface CaptionItem {
  image: string;
  /** Short captions (< 30 tokens) used contrastively. COCO gives several per image. */
  captions: string[];
  /** Long captions (30–500 tokens) used only for the next-token loss. */
  longCaptions: string[];
  source: Source;
}

export { SUGARCREPE_CATEGORIES, type SugarCrepeCategory } from '../../shared/eval.ts';

/** SugarCrepe: one image, one true caption, one hard negative. */
export interface SugarCrepeItem {
  id: string;
  category: SugarCrepeCategory;
  image: string;
  caption: string;
  negative: string;
  source: Source;
}

/** SugarCrepe++ style: one image, two paraphrased positives, one negative. */
export interface TripletItem {
  id: string;
  category?: SugarCrepeCategory;
  image: string;
  positives: [string, string];
  negative: string;
  source: Source;
}

/** Winoground style: caption_i matches image_i, and the captions use the same words. */
export interface WinogroundItem {
  id: string;
  images: [string, string];
  captions: [string, string];
  source: Source;
}

export type Dataset =
  | { kind: 'captions'; file: string; items: CaptionItem[]; problems: Problem[] }
  | { kind: 'sugarcrepe'; file: string; items: SugarCrepeItem[]; problems: Problem[] }
  | { kind: 'triplets'; file: string; items: TripletItem[]; problems: Problem[] }
  | { kind: 'winoground'; file: string; items: WinogroundItem[]; problems: Problem[] };

export interface ParseResult<T> {
  items: T[];
  problems: Problem[];
}

/** Every image path an item refers to (one, or two for Winoground). */
export function imagesOf(item: Dataset['items'][number]): string[] {
  return 'images' in item ? [...item.images] : [item.image];
}

/** Normalise a relative path: backslashes → '/', drop leading './' and '/'. */
export function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^(\.\/)+/, '').replace(/^\/+/, '');
}
