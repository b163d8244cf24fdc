// Shared by the three matmul kernels (prepended by matmul.ts after the operand-B header):
// the params struct, the bindings every kernel declares alike (A and B are declared by each
// kernel or header, since their element types differ), and the layout overrides.
struct Params {
  M: u32, N: u32, K: u32, K2: u32,
  sA: u32, sB: u32, sC: u32,
  alpha: f32, beta: f32, s2: f32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(3) var<storage, read> a2: array<f32>;
@group(0) @binding(4) var<storage, read> b2: array<f32>;
@group(0) @binding(5) var<storage, read> bias: array<f32>;
@group(0) @binding(6) var<storage, read_write> c: array<f32>;

override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
// BIAS_ROWS: the bias binding is a residual R [M,N] (row stride N), added like the bias:
// C = alpha·(…) + R + beta·C — the decoder's "h + o_proj(o)" without an add kernel.
// Never batched (the launcher refuses batch > 1), so its index is m·N + n.
override BIAS_ROWS: bool = false;

fn bias_at(m: u32, n: u32) -> f32 {
  if (BIAS_ROWS) { return bias[m * p.N + n]; }
  return bias[n];
}

// Epilogue of the direct kernels: c[m, nb…nb+3] = alpha·v (+ bias or residual) (+ beta·c), bound-checked.
// Trap: beta == 0 must not read C (pooled buffers hold garbage, 0·NaN = NaN).
// extra_out(o, v): a second output of the epilogue, appended by matmul.ts (EPILOGUE_NONE: no-op;
// EPILOGUE_SWIGLU: s[o] = silu(gate[o])·v, gate bound in the bias slot).
fn store_row(baseC: u32, m: u32, nb: u32, v: vec4f) {
  if (m >= p.M) { return; }
  for (var j = 0u; j < 4u; j++) {
    let n = nb + j;
    if (n >= p.N) { return; }
    let o = baseC + m * p.N + n;
    var r = p.alpha * v[j];
    if (HAS_BIAS) { r += bias_at(m, n); }
    if (p.beta != 0.0) { r += p.beta * c[o]; }
    extra_out(o, r);
    c[o] = r;
  }
}
