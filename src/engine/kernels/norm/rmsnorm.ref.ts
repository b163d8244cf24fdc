// CPU reference for RMSNorm, same argument order as norm/rmsnorm.ts but on plain arrays
// (Float64Array for finite differences). x, y [rows, H]; weight [H]; rstd [rows].
export type Vec = Float32Array | Float64Array;

export function rmsNormForwardRef(y: Vec, rstd: Vec, x: Vec, weight: Vec, opts: { eps: number }): void {
  const H = weight.length;
  const rows = x.length / H;
  for (let r = 0; r < rows; r++) {
    let ss = 0;
    for (let c = 0; c < H; c++) ss += x[r * H + c] ** 2;
    const rs = 1 / Math.sqrt(ss / H + opts.eps);
    rstd[r] = rs;
    for (let c = 0; c < H; c++) y[r * H + c] = weight[c] * (x[r * H + c] * rs);
  }
}

/** Accumulates: dx += …, dWeight += … (either may be null). */
export function rmsNormBackwardRef(
  grads: { dx: Vec | null; dWeight: Vec | null },
  dy: Vec,
  x: Vec,
  weight: Vec,
  rstd: Vec,
): void {
  const H = weight.length;
  const rows = x.length / H;
  for (let r = 0; r < rows; r++) {
    const rs = rstd[r];
    let m = 0;
    for (let c = 0; c < H; c++) m += dy[r * H + c] * weight[c] * x[r * H + c] * rs;
    m /= H;
    for (let c = 0; c < H; c++) {
      const i = r * H + c;
      const n = x[i] * rs;
      if (grads.dx) grads.dx[i] += rs * (dy[i] * weight[c] - n * m);
      if (grads.dWeight) grads.dWeight[c] += dy[i] * n;
    }
  }
}
