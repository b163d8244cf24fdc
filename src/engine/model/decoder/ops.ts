// The op set a Llama-style decoder needs, as one interface with two implementations:
// GpuOps (our WGSL kernels, gpu_ops.ts) and CpuOps (the kernels' CPU references,
// cpu_ops.ts). decoder.ts writes the forward/backward call list once against this
// interface, so "GPU model == CPU model" checks the kernels composed, and the PyTorch golden
// fixture checks the call list itself.
//
// Semantics follow src/engine/kernels/README.md: outputs first; *Backward accumulates into
// every non-null gradient; shapes row-major with rows = batch × tokens.

export interface LinearOptions<T> {
  residual?: T | null;
  uReady?: boolean;
  /** y is the MLP's up projection: also out = silu(gate)·y (fused into the GEMM's epilogue). */
  swiglu?: { gate: T; out: T } | null;
}

export interface Ops<T> {
  // memory
  empty(shape: readonly number[], label: string): T;
  zeros(shape: readonly number[], label: string): T;
  free(...ts: (T | null | undefined)[]): void;
  shape(t: T): readonly number[];

  /** out[r] = table[ids[r]] unless srcIndex[r] ≥ 0, then out[r] = src[srcIndex[r]]. */
  embed(out: T, ids: Uint32Array, table: T, src: T | null, srcIndex: Int32Array | null): void;
  /** dSrc[srcIndex[r]] += dout[r] for overridden rows; dTable[ids[r]] += dout[r] otherwise. */
  embedBackward(dTable: T | null, dSrc: T | null, dout: T, ids: Uint32Array, srcIndex: Int32Array | null): void;

  rmsNorm(y: T, rstd: T, x: T, weight: T, eps: number): void;
  rmsNormBackward(dx: T | null, dWeight: T | null, dy: T, x: T, weight: T, rstd: T): void;

  /** y = x·Wᵀ + scale·(x·Aᵀ)·Bᵀ; u = x·Aᵀ saved (u, A, B null for a plain linear).
   * o.residual [rows,out]: added to y (fused into the GEMM's epilogue on the GPU);
   * o.uReady: u already holds x·Aᵀ (from loraU), only y is computed;
   * o.swiglu: also o.swiglu.out = silu(o.swiglu.gate)·y (the MLP's SwiGLU, same epilogue). */
  linear(y: T, u: T | null, x: T, W: T, A: T | null, B: T | null, scale: number, o?: LinearOptions<T>): void;
  /** g.gOut: g = dy·B is written there and kept (for loraDAGroup; pass dA null then);
   * g.gReady: gOut already holds dy·B (loraGDBPair), it is only read. */
  linearBackward(
    g: { dx: T | null; dA: T | null; dB: T | null; dW: T | null; gOut?: T | null; gReady?: boolean },
    dy: T, x: T, u: T | null, W: T, A: T | null, B: T | null, scale: number,
  ): void;
  /** us[i] = x·As[i]ᵀ for up to 3 LoRA modules sharing x (one dispatch on the GPU). */
  loraU(us: T[], x: T, As: T[]): void;
  /** dAs[i] += scale·gs[i]ᵀ·x for up to 3 LoRA modules sharing x (one dispatch on the GPU). */
  loraDAGroup(dAs: T[], gs: T[], x: T, scale: number): void;
  /** For 1–2 modules of equal shape (k/v, gate/up): gs[z] = dys[z]·Bs[z] and
   * dBs[z] += scale·dys[z]ᵀ·us[z] (one dispatch each on the GPU). */
  loraGDBPair(gs: T[], dBs: T[], dys: T[], Bs: T[], us: T[], scale: number): void;

  rope(x: T, positions: Uint32Array, heads: number, headDim: number, theta: number): void;
  ropeBackward(dx: T, positions: Uint32Array, heads: number, headDim: number, theta: number): void;
  /** rope on q (heads) and k (kvHeads) together: one dispatch on the GPU (rope.ts ropePair). */
  ropeQK(q: T, k: T, positions: Uint32Array, heads: number, kvHeads: number, headDim: number, theta: number): void;
  ropeQKBackward(dq: T, dk: T, positions: Uint32Array, heads: number, kvHeads: number, headDim: number, theta: number): void;

  /** q [B,T,Hq,D], k/v [B,S,Hkv,D], keyMask [B,S] (1 attend) or null. */
  attention(out: T, lse: T, q: T, k: T, v: T, keyMask: Uint32Array | null, causal: boolean): void;
  attentionBackward(
    g: { dq: T; dk: T; dv: T },
    dout: T, q: T, k: T, v: T, out: T, lse: T, keyMask: Uint32Array | null, causal: boolean,
  ): void;

  swiglu(out: T, gate: T, up: T): void;
  swigluBackward(dGate: T, dUp: T, dout: T, gate: T, up: T): void;
  /** out = a + b */
  add(out: T, a: T, b: T): void;
  /** dst += src */
  accumulate(dst: T, src: T): void;
  /** dst = src (same size): a buffer copy on the GPU, no dispatch. */
  copy(dst: T, src: T): void;

  /** mean over rows with label ≥ 0 of −log softmax(h·Wᵀ)[label]; loss [1]. */
  crossEntropy(loss: T, lse: T, h: T, W: T, labels: Int32Array): void;
  crossEntropyBackward(dh: T | null, dW: T | null, dLoss: number, h: T, W: T, labels: Int32Array, lse: T): void;

  read(t: T): Promise<Float32Array>;
}
