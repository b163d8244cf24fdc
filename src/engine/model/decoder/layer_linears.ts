// The LoRA linears of one decoder layer, forward and backward, for decoder.ts: a single module
// (o, down), or the modules that read the same input (q/k/v read a; gate/up read m), whose
// rank-r GEMMs are grouped — one dispatch per group instead of one per module (dispatch
// economy, docs/PERFORMANCE.md):
//   forward   u_i = x·A_iᵀ for the group              ops.loraU        (then each y with uReady)
//   backward  g_z = dy_z·B_z, dB_z += s·dy_zᵀ·u_z     ops.loraGDBPair  (first two of equal out
//                                                                      width: k/v, gate/up)
//             dA_i += s·g_iᵀ·x for the group          ops.loraDAGroup  (every g kept via gOut)
// A group falls back to one module at a time when any member lacks an adapter (or, backward,
// an adapter gradient or its saved u). Shapes: x [N,in], y/dy [N,out_i], u_i/g_i [N,r].
import type { LinearOptions, Ops } from './ops.ts';
import type { Adapters, DecoderWeights, LoraModule } from './types.ts';

export interface LayerLinears<T> {
  ops: Ops<T>;
  w: DecoderWeights<T>;
  adapters: Adapters<T> | null;
  /** alpha / r (0 without adapters). */
  scale: number;
}

type UOut<T> = Partial<Record<LoraModule, T>>;

/** y = lin_m(x) (+ o.residual, or o.swiglu's second output: fused into the GEMM's epilogue);
 * the module's u = x·Aᵀ is saved into uOut[m]. */
export function linear<T>(c: LayerLinears<T>, y: T, uOut: UOut<T>, x: T, l: number, m: LoraModule, rows: number, o: LinearOptions<T> = {}): void {
  const pair = c.adapters?.layers[l]?.[m];
  let u: T | null = null;
  if (pair) uOut[m] = u = c.ops.empty([rows, c.adapters!.rank], `L${l}.${m}.u`);
  c.ops.linear(y, u, x, c.w.layers[l][m], pair?.A ?? null, pair?.B ?? null, c.scale, o);
}

/** Modules reading the same x: their u = x·Aᵀ in one grouped dispatch, then each y. */
export function linearShared<T>(c: LayerLinears<T>, outs: [T, LoraModule, LinearOptions<T>?][], uOut: UOut<T>, x: T, l: number, rows: number): void {
  const pairs = outs.map(([, m]) => c.adapters?.layers[l]?.[m]);
  if (outs.length < 2 || !pairs.every((p) => p)) {
    for (const [y, m, o] of outs) linear(c, y, uOut, x, l, m, rows, o);
    return;
  }
  const us = outs.map(([, m]) => (uOut[m] = c.ops.empty([rows, c.adapters!.rank], `L${l}.${m}.u`)));
  c.ops.loraU(us, x, pairs.map((p) => p!.A));
  outs.forEach(([y, m, o], i) => c.ops.linear(y, us[i], x, c.w.layers[l][m], pairs[i]!.A, pairs[i]!.B, c.scale, { ...o, uReady: true }));
}

/** Gradients of one layer's linears: adapter grads (same record shape as the adapters) and,
 * for full-parameter training, the base weights' grads. */
export interface LinearGrads<T> {
  adapters: Adapters<T> | null;
  base: DecoderWeights<T> | null;
}

/** dx += dy·W (+ LoRA term); the adapter and base grads accumulate. `gOut`: g = dy·B kept
 * there and dA left to the caller; `paired`: gOut already holds g and dB was done. */
export function linearBackward<T>(
  c: LayerLinears<T>, grads: LinearGrads<T>, l: number, m: LoraModule, dx: T, dy: T, x: T, u: T | undefined,
  gOut: T | null = null, paired = false,
): void {
  const pair = c.adapters?.layers[l]?.[m];
  const gp = grads.adapters?.layers[l]?.[m];
  c.ops.linearBackward(
    { dx, dA: gOut ? null : gp?.A ?? null, dB: paired ? null : gp?.B ?? null, dW: grads.base?.layers[l][m] ?? null, gOut, gReady: paired },
    dy, x, u ?? null, c.w.layers[l][m], pair?.A ?? null, pair?.B ?? null, c.scale,
  );
}

/** Backward of modules that read the same x (all accumulate into dx), grouped as in the header. */
export function linearBackwardShared<T>(
  c: LayerLinears<T>, grads: LinearGrads<T>, l: number, dx: T, x: T, saved: UOut<T>, mods: [LoraModule, T][], rows: number,
): void {
  const { ops } = c;
  const gps = mods.map(([m]) => grads.adapters?.layers[l]?.[m]);
  const grouped = mods.length > 1 && mods.every(([m], i) => c.adapters?.layers[l]?.[m] && saved[m] && gps[i]);
  if (!grouped) {
    for (const [m, dy] of mods) linearBackward(c, grads, l, m, dx, dy, x, saved[m]);
    return;
  }
  const gs = mods.map(([m]) => ops.empty([rows, c.adapters!.rank], `L${l}.${m}.g`));
  const outW = mods.map(([m]) => ops.shape(c.w.layers[l][m])[0]);
  const second = outW.findIndex((w, i) => outW.indexOf(w) !== i); // second of the first equal-width pair
  const pairIdx = second < 0 ? [] : [outW.indexOf(outW[second]), second];
  if (pairIdx.length) {
    const at = <X>(f: (i: number) => X) => pairIdx.map(f);
    ops.loraGDBPair(
      at((i) => gs[i]), at((i) => gps[i]!.B), at((i) => mods[i][1]),
      at((i) => c.adapters!.layers[l]![mods[i][0]]!.B), at((i) => saved[mods[i][0]]!), c.scale,
    );
  }
  mods.forEach(([m, dy], i) => linearBackward(c, grads, l, m, dx, dy, x, saved[m], gs[i], pairIdx.includes(i)));
  ops.loraDAGroup(gps.map((g) => g!.A), gs, x, c.scale);
  ops.free(...gs);
}
