// CPU reference for the bias add broadcast over rows (elementwise/bias.ts).
export type Vec = Float32Array | Float64Array;

export function addBiasForwardRef(out: Vec, x: Vec, bias: Vec): void {
  const H = bias.length;
  for (let i = 0; i < x.length; i++) out[i] = x[i] + bias[i % H];
}

export function addBiasBackwardRef(grads: { dx: Vec | null; dBias: Vec | null }, dout: Vec, H: number): void {
  for (let i = 0; i < dout.length; i++) {
    if (grads.dx) grads.dx[i] += dout[i];
    if (grads.dBias) grads.dBias[i % H] += dout[i];
  }
}
