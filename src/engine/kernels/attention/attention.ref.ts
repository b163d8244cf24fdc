// CPU reference for memory-efficient attention (same signatures as attention.ts, on plain
// arrays so the finite-difference check runs in float64). Straightforward, not tiled: it
// materialises one score row at a time, which is all a reference needs.
//
// Layouts (row-major):
//   q, out, dout  [B,T,Hq,D]      k, v  [B,S,Hkv,D]      lse [B,Hq,T]      keyMask [B,S]
// Grouped-query: query head h reads KV head floor(h / (Hq/Hkv)).
// Causal, aligned at the end: query t sees key s iff s ≤ t + (S − T) (T = S: ordinary causal;
// T < S: the last T positions of a KV cache).
// A query row with no visible key (all masked) gets out = 0, lse = −Infinity, gradient 0.

export type Vec = Float32Array | Float64Array;

export interface AttentionDims {
  B: number;
  T: number;
  S: number;
  Hq: number;
  Hkv: number;
  D: number;
}

export interface AttentionRefOptions extends AttentionDims {
  causal: boolean;
  /** Default 1/sqrt(D). */
  scale?: number;
}

/** Visible keys of query row t in batch b (the same rule as the WGSL kernels). */
export function visible(b: number, t: number, s: number, keyMask: ArrayLike<number> | null, o: AttentionRefOptions): boolean {
  if (keyMask && keyMask[b * o.S + s] === 0) return false;
  return !o.causal || s <= t + (o.S - o.T);
}

function qIndex(o: AttentionDims, b: number, t: number, h: number): number {
  return ((b * o.T + t) * o.Hq + h) * o.D;
}
function kIndex(o: AttentionDims, b: number, s: number, kvh: number): number {
  return ((b * o.S + s) * o.Hkv + kvh) * o.D;
}

/** Scaled scores of one query row (NaN-free; masked entries are −Infinity). */
function scoreRow(q: Vec, k: Vec, keyMask: ArrayLike<number> | null, o: AttentionRefOptions, b: number, t: number, h: number): number[] {
  const scale = o.scale ?? 1 / Math.sqrt(o.D);
  const kvh = Math.floor(h / (o.Hq / o.Hkv));
  const qi = qIndex(o, b, t, h);
  const row: number[] = [];
  for (let s = 0; s < o.S; s++) {
    if (!visible(b, t, s, keyMask, o)) {
      row.push(-Infinity);
      continue;
    }
    const ki = kIndex(o, b, s, kvh);
    let acc = 0;
    for (let d = 0; d < o.D; d++) acc += q[qi + d] * k[ki + d];
    row.push(acc * scale);
  }
  return row;
}

/** out = softmax(scale·q·kᵀ + mask)·v ; lse = log Σ exp(scaled scores). Overwrites out, lse. */
export function attentionForwardRef(out: Vec, lse: Vec, q: Vec, k: Vec, v: Vec, keyMask: ArrayLike<number> | null, o: AttentionRefOptions): void {
  const kvg = o.Hq / o.Hkv;
  for (let b = 0; b < o.B; b++) {
    for (let h = 0; h < o.Hq; h++) {
      const kvh = Math.floor(h / kvg);
      for (let t = 0; t < o.T; t++) {
        const row = scoreRow(q, k, keyMask, o, b, t, h);
        const m = Math.max(...row);
        const oi = qIndex(o, b, t, h);
        out.fill(0, oi, oi + o.D);
        if (m === -Infinity) {
          lse[(b * o.Hq + h) * o.T + t] = -Infinity;
          continue;
        }
        let l = 0;
        for (let s = 0; s < o.S; s++) {
          const p = Math.exp(row[s] - m); // exp(−Inf) = 0 for masked keys
          if (p === 0) continue;
          l += p;
          const vi = kIndex(o, b, s, kvh);
          for (let d = 0; d < o.D; d++) out[oi + d] += p * v[vi + d];
        }
        for (let d = 0; d < o.D; d++) out[oi + d] /= l;
        lse[(b * o.Hq + h) * o.T + t] = m + Math.log(l);
      }
    }
  }
}

export interface AttentionGradsRef {
  dq: Vec | null;
  dk: Vec | null;
  dv: Vec | null;
}

/**
 * FlashAttention-2 backward written plainly, accumulating into the grads:
 *   P = exp(S − lse), Δ_t = Σ_d dO·O, dP = dO·vᵀ, dS = P∘(dP − Δ),
 *   dq += scale·dS·k, dk += scale·dSᵀ·q, dv += Pᵀ·dO.
 */
export function attentionBackwardRef(
  g: AttentionGradsRef, dout: Vec, q: Vec, k: Vec, v: Vec, out: Vec, lse: Vec,
  keyMask: ArrayLike<number> | null, o: AttentionRefOptions,
): void {
  const scale = o.scale ?? 1 / Math.sqrt(o.D);
  const kvg = o.Hq / o.Hkv;
  for (let b = 0; b < o.B; b++) {
    for (let h = 0; h < o.Hq; h++) {
      const kvh = Math.floor(h / kvg);
      for (let t = 0; t < o.T; t++) {
        const L = lse[(b * o.Hq + h) * o.T + t];
        if (L === -Infinity) continue; // no visible key: out = 0, no gradient anywhere
        const row = scoreRow(q, k, keyMask, o, b, t, h);
        const qi = qIndex(o, b, t, h);
        let delta = 0;
        for (let d = 0; d < o.D; d++) delta += dout[qi + d] * out[qi + d];
        for (let s = 0; s < o.S; s++) {
          const p = Math.exp(row[s] - L);
          if (p === 0) continue;
          const ki = kIndex(o, b, s, kvh);
          let dp = 0;
          for (let d = 0; d < o.D; d++) dp += dout[qi + d] * v[ki + d];
          const ds = p * (dp - delta);
          for (let d = 0; d < o.D; d++) {
            if (g.dq) g.dq[qi + d] += scale * ds * k[ki + d];
            if (g.dk) g.dk[ki + d] += scale * ds * q[qi + d];
            if (g.dv) g.dv[ki + d] += p * dout[qi + d];
          }
        }
      }
    }
  }
}
