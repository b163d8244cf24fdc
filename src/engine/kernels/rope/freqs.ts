// RoPE inverse frequencies exactly as Hugging Face computes them in float32
// (transformers `_compute_default_rope_parameters`):
//   inv_freq = 1.0 / (base ** (torch.arange(0, dim, 2).float() / dim))
// i.e. e = f32(2i / D), p = f32(theta^e) (torch's powf, ≤1 ulp from Math.pow rounded), inv = f32(1/p).
// The angle is then f32(pos · inv_freq) (HF's float32 matmul with K = 1), which is what both
// the WGSL kernel and the CPU reference use. Shared by rope.ts and rope.ref.ts.
// Measured: these values are the correctly rounded f32 of theta^(-2i/D) steps (checked
// against 50-digit decimal arithmetic for D=64/128, theta=1e4/1e5/5e5). numpy's SIMD powf
// misses correct rounding by 1–2 ulp on 4–13 of them, and torch's (Sleef, ≤1 ulp) may too;
// at pos ≈ 2048 one ulp of inv_freq moves the angle by up to ~1e-4 rad. For bit parity with a
// given PyTorch run, pass its exact `invFreq` (RopeOptions.invFreq) instead.
export function ropeInvFreq(headDim: number, theta: number, given?: Float32Array): Float32Array {
  if (given) {
    if (given.length !== headDim / 2) throw new Error(`rope: invFreq has ${given.length} values, headDim/2 = ${headDim / 2} expected`);
    return given;
  }
  const half = headDim / 2;
  const inv = new Float32Array(half);
  for (let i = 0; i < half; i++) {
    const e = Math.fround(Math.fround(2 * i) / headDim);
    const p = Math.fround(Math.pow(theta, e));
    inv[i] = Math.fround(1 / p);
  }
  return inv;
}

/** HF's float32 angle for position `pos` and frequency index i. */
export const ropeAngle = (pos: number, invFreq: number): number => Math.fround(Math.fround(pos) * invFreq);
