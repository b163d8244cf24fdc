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
