// Register-blocked GEMM without workgroup memory — the path for CPU adapters (SwiftShader).
// Same contract, bindings, params and header (weightDecl) as matmul.wgsl:
//
//   C[z] = alpha · ( op(A[z])·op(B[z]) + s2 · op(A2)·op(B2) ) + bias[n] + beta · C[z]
//
// Why a second kernel: on SwiftShader, workgroup memory + barriers turn every workgroup into
// coroutines; the tiled kernel takes ~30× longer to compile (seconds per specialisation on
// 2 cores) and runs no faster, since "shared memory" is the same CPU cache. Here each of the
// 8×8 threads owns a 4×4 block (rows 4·gy…, cols 4·gx…) and streams its 4 rows of op(A) and
// 4 columns of op(B) straight from the storage buffers. Out-of-range rows/cols are clamped
// to the last valid one for the reads (M, N ≥ 1 is guaranteed by the launcher) and skipped
// at the store. On a discrete GPU this would be bandwidth-bound: use matmul.wgsl there.
// Trap: beta == 0 must not read C (pooled buffers hold garbage, 0·NaN = NaN).

// Params, p, a2, b2, bias, c and TRANS_A / TRANS_B / HAS_BIAS: matmul_common.wgsl
@group(0) @binding(1) var<storage, read> a: array<f32>;
// binding 2: b (header)

// Flat offsets of the 4 rows of op(A) (at k = 0) and the per-k step, for either layout.
fn a_rows(m: vec4u, M: u32, K: u32) -> vec4u {
  if (TRANS_A) { return m; }        // A[k, m] at k·M + m
  return m * K;                     // A[m, k] at m·K + k
}
fn a_step(M: u32) -> u32 {
  if (TRANS_A) { return M; }
  return 1u;
}
fn b_cols(n: vec4u, N: u32, K: u32) -> vec4u {
  if (TRANS_B) { return n * K; }    // B[n, k] at n·K + k
  return n;                         // B[k, n] at k·N + n
}
fn b_step(N: u32) -> u32 {
  if (TRANS_B) { return 1u; }
  return N;
}

// store_row (the epilogue: alpha, bias, beta·C, bounds): matmul_common.wgsl

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let mb = g.y * 4u;
  let nb = g.x * 4u;
  if (mb >= p.M || nb >= p.N) { return; }
  let z = g.z;
  let m = min(vec4u(mb) + vec4u(0u, 1u, 2u, 3u), vec4u(p.M - 1u));
  let n = min(vec4u(nb) + vec4u(0u, 1u, 2u, 3u), vec4u(p.N - 1u));
  var acc0 = vec4f(); var acc1 = vec4f(); var acc2 = vec4f(); var acc3 = vec4f();

  var ia = a_rows(m, p.M, p.K) + vec4u(z * p.sA);
  var ib = b_cols(n, p.N, p.K) + vec4u(z * p.sB);
  let sa = a_step(p.M);
  let sb = b_step(p.N);
  for (var k = 0u; k < p.K; k++) {
    let bv = vec4f(read_b(ib.x), read_b(ib.y), read_b(ib.z), read_b(ib.w));
    acc0 = fma(vec4f(a[ia.x]), bv, acc0);
    acc1 = fma(vec4f(a[ia.y]), bv, acc1);
    acc2 = fma(vec4f(a[ia.z]), bv, acc2);
    acc3 = fma(vec4f(a[ia.w]), bv, acc3);
    ia += vec4u(sa);
    ib += vec4u(sb);
  }
  // second pair (LoRA term), never batched; s2 applied to op(A2)
  ia = a_rows(m, p.M, p.K2);
  ib = b_cols(n, p.N, p.K2);
  for (var k = 0u; k < p.K2; k++) {
    let bv = vec4f(b2[ib.x], b2[ib.y], b2[ib.z], b2[ib.w]);
    let av = p.s2 * vec4f(a2[ia.x], a2[ia.y], a2[ia.z], a2[ia.w]);
    acc0 = fma(vec4f(av.x), bv, acc0);
    acc1 = fma(vec4f(av.y), bv, acc1);
    acc2 = fma(vec4f(av.z), bv, acc2);
    acc3 = fma(vec4f(av.w), bv, acc3);
    ia += vec4u(sa);
    ib += vec4u(sb);
  }

  let baseC = z * p.sC;
  store_row(baseC, mb, nb, acc0);
  store_row(baseC, mb + 1u, nb, acc1);
  store_row(baseC, mb + 2u, nb, acc2);
  store_row(baseC, mb + 3u, nb, acc3);
}
