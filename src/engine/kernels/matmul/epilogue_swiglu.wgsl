// Epilogue variant appended by matmul.ts for `swiglu`: the up-projection GEMM also writes
// s = silu(gate)·up, the Llama MLP's SwiGLU, so no element-wise dispatch follows it.
// gate [M,N] is bound in the bias slot (HAS_BIAS off: it is not added), s [M,N] at binding 7;
// never batched (o = m·N + n). silu as elementwise.wgsl (the same f32 expression).
@group(0) @binding(7) var<storage, read_write> s_out: array<f32>;

fn sigmoid_e(x: f32) -> f32 {
  let e = exp(-abs(x));
  return select(e / (1.0 + e), 1.0 / (1.0 + e), x >= 0.0);
}

fn extra_out(o: u32, v: f32) {
  let g = bias[o];
  s_out[o] = (g * sigmoid_e(g)) * v;
}
