// embed and load-adapter requests: texts/images → L2-normalised embeddings with the current
// model (adapters + soft prompts included), and a PEFT export written into a loaded Vlm.
// Embedding runs in chunks (EMBED_CHUNK sequences per decoder pass) to bound memory.
import type { GpuTensor } from '../gpu/tensor.ts';
import { uploadAdapters } from '../model/vlm/adapters.ts';
import type { Vlm } from '../model/vlm/vlm.ts';
import { importPeft } from '../train/peft/index.ts';
import type { Api, NamedBlob } from '../../protocol/messages.ts';
import type { FeatureResult, ImageInput } from './feature_cache.ts';

const EMBED_CHUNK = 32;

export class AdapterMismatchError extends Error {
  override readonly name = 'AdapterMismatchError';
}

async function bytesOf(b: Blob | ArrayBuffer): Promise<Uint8Array> {
  return new Uint8Array(b instanceof ArrayBuffer ? b : await b.arrayBuffer());
}

/** Runs `f` per chunk of n items and concatenates the [k, H] outputs into one [n, H] buffer. */
async function chunked(vlm: Vlm, n: number, f: (s: number, e: number) => GpuTensor): Promise<ArrayBuffer> {
  const H = vlm.dims.hidden;
  const out = new Float32Array(n * H);
  for (let s = 0; s < n; s += EMBED_CHUNK) {
    const e = Math.min(n, s + EMBED_CHUNK);
    const t = f(s, e);
    out.set(await vlm.ctx.read(t), s * H);
    vlm.ctx.release(t);
  }
  return out.buffer;
}

export async function embedRequest(
  vlm: Vlm,
  args: Api['embed']['args'],
  features: (images: ImageInput[]) => Promise<FeatureResult>,
): Promise<Api['embed']['result']> {
  const H = vlm.dims.hidden;
  const rowSize = vlm.tokensPerImage * H;
  const texts = args.texts?.length ? await chunked(vlm, args.texts.length, (s, e) => vlm.embedTexts(args.texts!.slice(s, e))) : null;
  let images: ArrayBuffer | null = null;
  let imageNames: string[] = [];
  let problems: Api['embed']['result']['problems'] = [];
  let cacheHits = 0;
  if (args.images?.length) {
    const inputs = await Promise.all(args.images.map(async (im) => ({ name: im.path, bytes: await bytesOf(im.data) })));
    const f = await features(inputs);
    cacheHits = f.hits;
    problems = f.problems;
    imageNames = f.rows.map((i) => inputs[i].name);
    const n = f.rows.length;
    images = await chunked(vlm, n, (s, e) => {
      const feats = vlm.ctx.upload(f.features.subarray(s * rowSize, e * rowSize), [e - s, vlm.tokensPerImage, H], 'embed.features');
      const emb = vlm.embedImages(feats, e - s);
      vlm.ctx.release(feats);
      return emb;
    });
  }
  return { dim: H, texts, images, imageNames, problems, cacheHits };
}

/** Replaces the Vlm's adapters (and soft prompts, when the export has them) by a PEFT export. */
export async function loadAdapterInto(vlm: Vlm, files: NamedBlob[]): Promise<Api['load-adapter']['result']> {
  const map = new Map<string, Uint8Array>();
  for (const f of files) map.set(f.path.slice(f.path.lastIndexOf('/') + 1), await bytesOf(f.data));
  const imp = await importPeft(map, { dims: vlm.dims });
  const sp = imp.softPrompts;
  if (sp) {
    for (const [which, data] of [['image', sp.image], ['text', sp.text]] as const) {
      const t = vlm.softPrompts[which];
      if (t.size !== data.length) {
        throw new AdapterMismatchError(`soft_prompts.safetensors: ${which}_soft_prompt has ${data.length / vlm.dims.hidden} rows, ` +
          `but this model's ${which} prompt template has ${t.shape[0]} instruction tokens (different prompt template?)`);
      }
    }
    vlm.ctx.write(vlm.softPrompts.image, sp.image);
    vlm.ctx.write(vlm.softPrompts.text, sp.text);
  }
  const old = vlm.adapters;
  vlm.adapters = uploadAdapters(vlm.ctx, imp.adapters, vlm.dims);
  for (const rec of old?.layers ?? []) for (const p of Object.values(rec)) vlm.ctx.release(p!.A, p!.B);
  vlm.useAdapters = true;
  return { rank: imp.adapters.rank, modules: [...imp.adapters.modules], softPrompts: !!sp };
}
