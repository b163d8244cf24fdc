// matmul_direct.wgsl with vec4 loads: the CPU-adapter kernel when A is f32, B is f32 or packed
// bf16/f16, and their contiguous axes are multiples of 4 (A: K if !TRANS_A else M; B: K if
// TRANS_B else N). Same contract, bindings (A viewed as vec4s; B through the header's b4(e)
// — 4 elements from element e, a multiple of 4 — and sb(e); offsets of views are 256-byte
// aligned and every row starts on a vec4), params and overrides as matmul.wgsl.
//
// Per 4-step of k, thread (gx, gy) forms a_i = op(A)[4gy+i, k…k+3] (vec4 over k) and the 4×4
// block Bm whose column kk is op(B)[k+kk, 4gx…4gx+3]; then acc_i += Bm · a_i. Transposed
// layouts are loaded along their contiguous axis and turned with transpose(). Rows/cols past
// M/N are clamped for the reads (only possible on a non-vector axis) and skipped at the store.
// A scalar tail handles K % 4 (only reachable when neither operand is vectorised along k).
// SwiftShader: ~2× the scalar direct kernel (4× fewer gathers).
// Trap: beta == 0 must not read C.

// Params, p, a2, b2, bias, c and TRANS_A / TRANS_B / HAS_BIAS: matmul_common.wgsl
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
// binding 2: b, with b4(e) -> vec4f and sb(e) -> f32 (header from the launcher: f32 or packed)

fn ia(m: u32, k: u32, M: u32, K: u32) -> u32 {
  if (TRANS_A) { return k * M + m; }
  return m * K + k;
}
fn ib(k: u32, n: u32, K: u32, N: u32) -> u32 {
  if (TRANS_B) { return n * K + k; }
  return k * N + n;
}
fn sa(e: u32) -> f32 { return a[e >> 2u][e & 3u]; }

// store_row (the epilogue: alpha, bias, beta·C, bounds): matmul_common.wgsl

@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let mb = g.y * 4u;
  let nb = g.x * 4u;
  if (mb >= p.M || nb >= p.N) { return; }
  let z = g.z;
  let M = p.M; let N = p.N; let K = p.K;
  let m = min(vec4u(mb) + vec4u(0u, 1u, 2u, 3u), vec4u(M - 1u));
  let n = min(vec4u(nb) + vec4u(0u, 1u, 2u, 3u), vec4u(N - 1u));
  let baseA = z * p.sA;
  let baseB = z * p.sB;
  var acc0 = vec4f(); var acc1 = vec4f(); var acc2 = vec4f(); var acc3 = vec4f();

  let K4 = K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
    var a0: vec4f; var a1: vec4f; var a2v: vec4f; var a3: vec4f;
    if (TRANS_A) { // A[k, m]: vec4 over m = mb…mb+3 (M % 4 == 0)
      let t = transpose(mat4x4f(
        a[(baseA + k * M + mb) >> 2u], a[(baseA + (k + 1u) * M + mb) >> 2u],
        a[(baseA + (k + 2u) * M + mb) >> 2u], a[(baseA + (k + 3u) * M + mb) >> 2u]));
      a0 = t[0]; a1 = t[1]; a2v = t[2]; a3 = t[3];
    } else { // A[m, k]: vec4 over k (K % 4 == 0)
      a0 = a[(baseA + m.x * K + k) >> 2u]; a1 = a[(baseA + m.y * K + k) >> 2u];
      a2v = a[(baseA + m.z * K + k) >> 2u]; a3 = a[(baseA + m.w * K + k) >> 2u];
    }
    var bm: mat4x4f;
    if (TRANS_B) { // B[n, k]: vec4 over k (K % 4 == 0)
      bm = transpose(mat4x4f(
        b4(baseB + n.x * K + k), b4(baseB + n.y * K + k),
        b4(baseB + n.z * K + k), b4(baseB + n.w * K + k)));
    } else { // B[k, n]: vec4 over n = nb…nb+3 (N % 4 == 0)
      bm = mat4x4f(
        b4(baseB + k * N + nb), b4(baseB + (k + 1u) * N + nb),
        b4(baseB + (k + 2u) * N + nb), b4(baseB + (k + 3u) * N + nb));
    }
    acc0 += bm * a0; acc1 += bm * a1; acc2 += bm * a2v; acc3 += bm * a3;
  }
  for (var k = K4; k < K; k++) {
    let bv = vec4f(sb(baseB + ib(k, n.x, K, N)), sb(baseB + ib(k, n.y, K, N)),
                   sb(baseB + ib(k, n.z, K, N)), sb(baseB + ib(k, n.w, K, N)));
    acc0 = fma(vec4f(sa(baseA + ia(m.x, k, M, K))), bv, acc0);
    acc1 = fma(vec4f(sa(baseA + ia(m.y, k, M, K))), bv, acc1);
    acc2 = fma(vec4f(sa(baseA + ia(m.z, k, M, K))), bv, acc2);
    acc3 = fma(vec4f(sa(baseA + ia(m.w, k, M, K))), bv, acc3);
  }
  // second pair (LoRA term, K2 ≤ 64): scalar, never batched, s2 applied to op(A2)
  for (var k = 0u; k < p.K2; k++) {
    let bv = vec4f(b2[ib(k, n.x, p.K2, N)], b2[ib(k, n.y, p.K2, N)], b2[ib(k, n.z, p.K2, N)], b2[ib(k, n.w, p.K2, N)]);
    let av = p.s2 * vec4f(a2[ia(m.x, k, M, p.K2)], a2[ia(m.y, k, M, p.K2)], a2[ia(m.z, k, M, p.K2)], a2[ia(m.w, k, M, p.K2)]);
    acc0 = fma(vec4f(av.x), bv, acc0);
    acc1 = fma(vec4f(av.y), bv, acc1);
    acc2 = fma(vec4f(av.z), bv, acc2);
    acc3 = fma(vec4f(av.w), bv, acc3);
  }

  let baseC = z * p.sC;
  store_row(baseC, mb, nb, acc0);
  store_row(baseC, mb + 1u, nb, acc1);
  store_row(baseC, mb + 2u, nb, acc2);
  store_row(baseC, mb + 3u, nb, acc3);
}
