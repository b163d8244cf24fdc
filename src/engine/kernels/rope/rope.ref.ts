// CPU reference for RoPE (HF rotate_half), in place, same arguments as rope/rope.ts but on
// plain arrays. cos/sin are float64 of HF's float32 angle (freqs.ts), i.e. the exact values
// that HF's float32 cos/sin round.
import { ropeAngle, ropeInvFreq } from './freqs.ts';
import type { RopeOptions } from './rope.ts';

export type Vec = Float32Array | Float64Array;

function rotate(x: Vec, positions: ArrayLike<number>, o: RopeOptions, sign: 1 | -1): void {
  const { heads, headDim } = o;
  const half = headDim / 2;
  const inv = ropeInvFreq(headDim, o.theta, o.invFreq);
  const rows = x.length / (heads * headDim);
  for (let r = 0; r < rows; r++) {
    for (let h = 0; h < heads; h++) {
      const base = (r * heads + h) * headDim;
      for (let i = 0; i < half; i++) {
        const a = ropeAngle(positions[r], inv[i]);
        const c = Math.cos(a);
        const s = sign * Math.sin(a);
        const x1 = x[base + i];
        const x2 = x[base + i + half];
        x[base + i] = x1 * c - x2 * s;
        x[base + i + half] = x2 * c + x1 * s;
      }
    }
  }
}

export function ropeForwardRef(x: Vec, positions: ArrayLike<number>, o: RopeOptions): void {
  rotate(x, positions, o, 1);
}

/** Gradient of the forward rotation: the inverse rotation of dx, in place. */
export function ropeBackwardRef(dx: Vec, positions: ArrayLike<number>, o: RopeOptions): void {
  rotate(dx, positions, o, -1);
}
