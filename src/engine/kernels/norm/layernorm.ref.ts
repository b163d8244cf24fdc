// CPU reference for LayerNorm (biased variance), same argument order as norm/layernorm.ts.
// x, y [rows, H]; weight, bias [H]; mean, rstd [rows].
import type { Vec } from './rmsnorm.ref.ts';

export function layerNormForwardRef(y: Vec, mean: Vec, rstd: Vec, x: Vec, weight: Vec, bias: Vec, opts: { eps: number }): void {
  const H = weight.length;
  const rows = x.length / H;
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < H; c++) s += x[r * H + c];
    const mu = s / H;
    let ss = 0;
    for (let c = 0; c < H; c++) ss += (x[r * H + c] - mu) ** 2;
    const rs = 1 / Math.sqrt(ss / H + opts.eps);
    mean[r] = mu;
    rstd[r] = rs;
    for (let c = 0; c < H; c++) y[r * H + c] = (x[r * H + c] - mu) * rs * weight[c] + bias[c];
  }
}

/** Accumulates into every non-null grad. */
export function layerNormBackwardRef(
  grads: { dx: Vec | null; dWeight: Vec | null; dBias: Vec | null },
  dy: Vec,
  x: Vec,
  weight: Vec,
  mean: Vec,
  rstd: Vec,
): void {
  const H = weight.length;
  const rows = x.length / H;
  for (let r = 0; r < rows; r++) {
    const mu = mean[r];
    const rs = rstd[r];
    let m1 = 0;
    let m2 = 0;
    for (let c = 0; c < H; c++) {
      const dn = dy[r * H + c] * weight[c];
      m1 += dn;
      m2 += dn * (x[r * H + c] - mu) * rs;
    }
    m1 /= H;
    m2 /= H;
    for (let c = 0; c < H; c++) {
      const i = r * H + c;
      const n = (x[i] - mu) * rs;
      if (grads.dx) grads.dx[i] += rs * (dy[i] * weight[c] - m1 - n * m2);
      if (grads.dWeight) grads.dWeight[c] += dy[i] * n;
      if (grads.dBias) grads.dBias[c] += dy[i];
    }
  }
}
