// CPU reference of the fused LoRA linear (HF/PEFT layouts), float32 or float64:
//   x [N,in], W [out,in] frozen, A [r,in], B [out,r], bias [out] | null, scale = alpha/r
//   u = x·Aᵀ [N,r] (saved)        y = x·Wᵀ + bias + scale·u·Bᵀ [N,out]
// Backward (accumulating, any grad null):
//   g = dy·B [N,r];  dx += dy·W + scale·g·A;  dA += scale·gᵀ·x;  dB += scale·dyᵀ·u;  dW += dyᵀ·x
// Written as plain loops (not via matmulRef) so it is an independent check of the GPU plan.

export type Vec = Float32Array | Float64Array;

export interface LoraDims {
  N: number;
  inF: number;
  outF: number;
  r: number;
}

export function loraLinearForwardRef(
  y: Vec, u: Vec, x: Vec, W: Vec, A: Vec, B: Vec,
  d: LoraDims, o: { scale: number; bias?: Vec | null },
): void {
  const { N, inF, outF, r } = d;
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < r; j++) {
      let s = 0;
      for (let k = 0; k < inF; k++) s += x[n * inF + k] * A[j * inF + k];
      u[n * r + j] = s;
    }
    for (let m = 0; m < outF; m++) {
      let s = 0;
      for (let k = 0; k < inF; k++) s += x[n * inF + k] * W[m * inF + k];
      let l = 0;
      for (let j = 0; j < r; j++) l += u[n * r + j] * B[m * r + j];
      y[n * outF + m] = s + o.scale * l + (o.bias ? o.bias[m] : 0);
    }
  }
}

export interface LoraGradsRef {
  dx?: Vec | null;
  dA?: Vec | null;
  dB?: Vec | null;
  dW?: Vec | null;
}

export function loraLinearBackwardRef(
  grads: LoraGradsRef, dy: Vec, x: Vec, u: Vec, W: Vec, A: Vec, B: Vec,
  d: LoraDims, o: { scale: number },
): void {
  const { N, inF, outF, r } = d;
  const s = o.scale;
  const g = new Float64Array(N * r); // dy·B
  for (let n = 0; n < N; n++) {
    for (let j = 0; j < r; j++) {
      let t = 0;
      for (let m = 0; m < outF; m++) t += dy[n * outF + m] * B[m * r + j];
      g[n * r + j] = t;
    }
  }
  const { dx, dA, dB, dW } = grads;
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < inF; k++) {
      if (dx) {
        let t = 0;
        for (let m = 0; m < outF; m++) t += dy[n * outF + m] * W[m * inF + k];
        for (let j = 0; j < r; j++) t += s * g[n * r + j] * A[j * inF + k];
        dx[n * inF + k] += t;
      }
      const xv = x[n * inF + k];
      if (dA) for (let j = 0; j < r; j++) dA[j * inF + k] += s * g[n * r + j] * xv;
      if (dW) for (let m = 0; m < outF; m++) dW[m * inF + k] += dy[n * outF + m] * xv;
    }
    if (dB) {
      for (let m = 0; m < outF; m++) {
        for (let j = 0; j < r; j++) dB[m * r + j] += s * dy[n * outF + m] * u[n * r + j];
      }
    }
  }
}
