// Kernel-path choice by measurement, per adapter (issue 15 item 4): the cache the matmul
// (direct | tiled, kernels/matmul/path_cache.ts) and norm (rows | workgroup,
// kernels/norm/path_cache.ts) launchers share. A launch asks `get`; a shape never probed on
// this adapter returns undefined (the caller's adapter-name default applies) and is noted per
// context, so a probe (matmul/choice.ts, norm/choice.ts) times exactly the shapes a model ran
// — "on first use". Choices are cached per adapter (vendor/architecture/device/description)
// for the life of the page or process, so every context on that adapter reuses them.
// Trap: a shape's key must bucket what varies from batch to batch (the token count), or every
// batch would be a new, unprobed shape; `bucket` rounds it up to a power of two.
import type { GpuContext } from '../gpu/context.ts';

export function adapterKey(ctx: GpuContext): string {
  const a = ctx.caps.adapter;
  return [a.vendor, a.architecture, a.device, a.description].join('|');
}

/** n rounded up to a power of two (0 and 1 stay): one probe serves nearby token counts. */
export const bucket = (n: number): number => (n <= 1 ? n : 2 ** Math.ceil(Math.log2(n)));

export class MeasuredPaths<Shape, Path extends string> {
  private readonly measured = new Map<string, Map<string, Path>>();
  private readonly unprobed = new WeakMap<GpuContext, Map<string, Shape>>();

  /**
   * keyOf: the shape's cache key (buckets what varies per batch).
   * probeShape: the shape a probe should time for it (the bucket's largest size).
   * maxUnprobed: bound on the shapes noted per context (a model has a few dozen; this only
   * caps a pathology).
   */
  constructor(
    private readonly keyOf: (s: Shape) => string,
    private readonly probeShape: (s: Shape) => Shape,
    private readonly maxUnprobed: number,
  ) {}

  /** The measured choice for this shape on ctx's adapter, else undefined (and the shape is noted). */
  get(ctx: GpuContext, s: Shape): Path | undefined {
    const key = this.keyOf(s);
    const hit = this.measured.get(adapterKey(ctx))?.get(key);
    if (hit) return hit;
    let m = this.unprobed.get(ctx);
    if (!m) this.unprobed.set(ctx, (m = new Map()));
    if (!m.has(key) && m.size < this.maxUnprobed) m.set(key, this.probeShape(s));
    return undefined;
  }

  record(ctx: GpuContext, s: Shape, path: Path): void {
    const k = adapterKey(ctx);
    let m = this.measured.get(k);
    if (!m) this.measured.set(k, (m = new Map()));
    m.set(this.keyOf(s), path);
    this.unprobed.get(ctx)?.delete(this.keyOf(s));
  }

  /** Shapes this context ran with no measurement for its adapter (probe candidates). */
  unprobedShapes(ctx: GpuContext): Shape[] {
    return [...(this.unprobed.get(ctx)?.values() ?? [])];
  }

  /** Every measured choice for ctx's adapter (bench output). */
  all(ctx: GpuContext): Map<string, Path> {
    return new Map(this.measured.get(adapterKey(ctx)) ?? []);
  }

  /** Forget all measurements (tests). */
  clear(): void {
    this.measured.clear();
  }
}

/** The faster of two paths; a tie (within 2 %) keeps `fallback` (the adapter-name default). */
export function fasterOf<Path extends string>(a: Path, aMs: number, b: Path, bMs: number, fallback: Path): Path {
  if (Math.abs(aMs - bMs) <= 0.02 * Math.min(aMs, bMs)) return fallback;
  return aMs < bMs ? a : b;
}
