// CPU reference for matmul (float32 or float64, same semantics as matmul.ts):
//   C = alpha·op(A)·op(B) + beta·C, A [..., M, K] ([..., K, M] if transA),
//   B [K, N] ([N, K] if transB) shared, or with A's leading dims; C [..., M, N].
// Host tensors carry their shape: { data, shape }.

export type Vec = Float32Array | Float64Array;
export interface Host {
  data: Vec;
  shape: readonly number[];
}

export interface MatmulRefOptions {
  transA?: boolean;
  transB?: boolean;
  alpha?: number;
  beta?: number;
}

export function matmulRef(c: Host, a: Host, b: Host, o: MatmulRefOptions = {}): void {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [a0, a1] = a.shape.slice(ra - 2);
  const [b0, b1] = b.shape.slice(rb - 2);
  const M = o.transA ? a1 : a0;
  const K = o.transA ? a0 : a1;
  const N = o.transB ? b0 : b1;
  if ((o.transB ? b1 : b0) !== K) throw new Error(`matmulRef: inner dims ${K} vs ${o.transB ? b1 : b0}`);
  const batch = a.shape.slice(0, ra - 2).reduce((x, y) => x * y, 1);
  const sB = rb > 2 ? K * N : 0;
  const alpha = o.alpha ?? 1;
  const beta = o.beta ?? 0;
  if (c.data.length !== batch * M * N) throw new Error(`matmulRef: C has ${c.data.length} elements, want ${batch * M * N}`);
  for (let z = 0; z < batch; z++) {
    const A = z * M * K;
    const B = z * sB;
    const C = z * M * N;
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const av = a.data[A + (o.transA ? k * M + m : m * K + k)];
          const bv = b.data[B + (o.transB ? n * K + k : k * N + n)];
          s += av * bv;
        }
        const i = C + m * N + n;
        c.data[i] = alpha * s + (beta !== 0 ? beta * c.data[i] : 0);
      }
    }
  }
}

/**
 * Gradients of C = alpha·op(A)·op(B) (beta only scales the old C, which is not a parameter
 * here): dA += alpha·dC·op(B)ᵀ mapped back through transA, dB likewise (summed over batch
 * when B is shared). Accumulates; any grad may be null.
 */
export function matmulBackwardRef(
  grads: { dA: Vec | null; dB: Vec | null },
  dC: Vec,
  a: Host,
  b: Host,
  o: MatmulRefOptions = {},
): void {
  const ra = a.shape.length;
  const rb = b.shape.length;
  const [a0, a1] = a.shape.slice(ra - 2);
  const [b0, b1] = b.shape.slice(rb - 2);
  const M = o.transA ? a1 : a0;
  const K = o.transA ? a0 : a1;
  const N = o.transB ? b0 : b1;
  const batch = a.shape.slice(0, ra - 2).reduce((x, y) => x * y, 1);
  const sB = rb > 2 ? K * N : 0;
  const alpha = o.alpha ?? 1;
  for (let z = 0; z < batch; z++) {
    for (let m = 0; m < M; m++) {
      for (let n = 0; n < N; n++) {
        const g = alpha * dC[z * M * N + m * N + n];
        for (let k = 0; k < K; k++) {
          const ia = z * M * K + (o.transA ? k * M + m : m * K + k);
          const ib = z * sB + (o.transB ? n * K + k : k * N + n);
          if (grads.dA) grads.dA[ia] += g * b.data[ib];
          if (grads.dB) grads.dB[ib] += g * a.data[ia];
        }
      }
    }
  }
}
