// Tiled GEMM with an optional second, K-concatenated operand pair (the fused LoRA term):
//
//   C[z] = alpha · ( op(A[z])·op(B[z]) + s2 · op(A2)·op(B2) ) + bias[n] (or R[m,n]) + beta · C[z]
//
//   op(A): [M,K]  (A stored [K,M] when TRANS_A),   op(B): [K,N]  (B stored [N,K] when TRANS_B)
//   op(A2): [M,K2], op(B2): [K2,N], same transpose flags; K2 = 0 disables the pair.
//   z = workgroup_id.z is the batch index; strides sA/sB/sC are element strides per batch
//   (sB = 0 when a 2-D B is shared by every batch). A2/B2 are never batched.
//
// The binding for B (binding 2, `b` + `read_b`) is declared by a header file prepended by the
// launcher: weightDecl(2, "b", dtype) of kernels/packed (f32, or bf16/f16 frozen weights).
//
// Tiling: 64×64 output tile per workgroup of 16×16 threads; thread (tx, ty) owns the 4×4
// block rows 4·ty…4·ty+3, cols 4·tx…4·tx+3, so its per-k operands are ONE vec4 read from each
// shared tile (As/Bs hold vec4s of 4 consecutive m / n). K advances BK at a time. Tile loads
// are scalar and bound-checked (out-of-range → 0), with consecutive threads walking the
// operand's contiguous axis, so no shape needs to be a tile multiple or vec4-aligned.
// Trap: beta == 0 must not read C (pooled buffers hold garbage, 0·NaN = NaN).

// Params, p, a2, b2, bias, c and TRANS_A / TRANS_B / HAS_BIAS: matmul_common.wgsl
@group(0) @binding(1) var<storage, read> a: array<f32>;
// binding 2: b (header)

override BK: u32 = 16u;

const BM = 64u;
const BN = 64u;
const WG = 256u;

var<workgroup> As: array<vec4f, BK * 16u>; // As[k * 16 + m / 4][m % 4]
var<workgroup> Bs: array<vec4f, BK * 16u>; // Bs[k * 16 + n / 4][n % 4]

// Element (row r of op(X), col k) → flat index into X stored [R,Kd] or [Kd,R] (transposed).
fn idx_a(m: u32, k: u32, M: u32, K: u32) -> u32 {
  if (TRANS_A) { return k * M + m; }
  return m * K + k;
}
fn idx_b(k: u32, n: u32, K: u32, N: u32) -> u32 {
  if (TRANS_B) { return n * K + k; }
  return k * N + n;
}
// Thread-to-element maps for tile loads: consecutive threads walk the contiguous axis.
fn a_coord(e: u32) -> vec2u { // (m, k) within the tile
  if (TRANS_A) { return vec2u(e % BM, e / BM); }
  return vec2u(e / BK, e % BK);
}
fn b_coord(e: u32) -> vec2u { // (k, n) within the tile
  if (TRANS_B) { return vec2u(e % BK, e / BK); }
  return vec2u(e / BN, e % BN);
}

fn load_pair1(t: u32, m0: u32, n0: u32, k0: u32, baseA: u32, baseB: u32) {
  for (var e = t; e < BM * BK; e += WG) {
    let mk = a_coord(e);
    let m = m0 + mk.x; let k = k0 + mk.y;
    var v = 0.0;
    if (m < p.M && k < p.K) { v = a[baseA + idx_a(m, k, p.M, p.K)]; }
    As[mk.y * 16u + mk.x / 4u][mk.x % 4u] = v;
  }
  for (var e = t; e < BK * BN; e += WG) {
    let kn = b_coord(e);
    let k = k0 + kn.x; let n = n0 + kn.y;
    var v = 0.0;
    if (k < p.K && n < p.N) { v = read_b(baseB + idx_b(k, n, p.K, p.N)); }
    Bs[kn.x * 16u + kn.y / 4u][kn.y % 4u] = v;
  }
}

fn load_pair2(t: u32, m0: u32, n0: u32, k0: u32) {
  for (var e = t; e < BM * BK; e += WG) {
    let mk = a_coord(e);
    let m = m0 + mk.x; let k = k0 + mk.y;
    var v = 0.0;
    if (m < p.M && k < p.K2) { v = p.s2 * a2[idx_a(m, k, p.M, p.K2)]; }
    As[mk.y * 16u + mk.x / 4u][mk.x % 4u] = v;
  }
  for (var e = t; e < BK * BN; e += WG) {
    let kn = b_coord(e);
    let k = k0 + kn.x; let n = n0 + kn.y;
    var v = 0.0;
    if (k < p.K2 && n < p.N) { v = b2[idx_b(k, n, p.K2, p.N)]; }
    Bs[kn.x * 16u + kn.y / 4u][kn.y % 4u] = v;
  }
}

// acc[i][j] += As[kk][4·ty+i] · Bs[kk][4·tx+j] over the BK slice in shared memory.
fn mac_tile(tx: u32, ty: u32, acc: ptr<function, array<vec4f, 4>>) {
  for (var kk = 0u; kk < BK; kk++) {
    let av = As[kk * 16u + ty];
    let bv = Bs[kk * 16u + tx];
    (*acc)[0] = fma(vec4f(av.x), bv, (*acc)[0]);
    (*acc)[1] = fma(vec4f(av.y), bv, (*acc)[1]);
    (*acc)[2] = fma(vec4f(av.z), bv, (*acc)[2]);
    (*acc)[3] = fma(vec4f(av.w), bv, (*acc)[3]);
  }
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let tx = lid.x; let ty = lid.y;
  let t = ty * 16u + tx;
  let n0 = wid.x * BN;
  let m0 = wid.y * BM;
  let z = wid.z;
  var acc: array<vec4f, 4>;

  // Loop bounds are uniform across the workgroup (barriers inside are legal).
  let baseA = z * p.sA;
  let baseB = z * p.sB;
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    load_pair1(t, m0, n0, k0, baseA, baseB);
    workgroupBarrier();
    mac_tile(tx, ty, &acc);
    workgroupBarrier();
  }
  for (var k0 = 0u; k0 < p.K2; k0 += BK) {
    load_pair2(t, m0, n0, k0);
    workgroupBarrier();
    mac_tile(tx, ty, &acc);
    workgroupBarrier();
  }

  let baseC = z * p.sC;
  for (var i = 0u; i < 4u; i++) {
    let m = m0 + 4u * ty + i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = n0 + 4u * tx + j;
      if (n >= p.N) { continue; }
      let o = baseC + m * p.N + n;
      var v = p.alpha * acc[i][j];
      if (HAS_BIAS) { v += bias_at(m, n); }
      if (p.beta != 0.0) { v += p.beta * c[o]; }
      extra_out(o, v);
      c[o] = v;
    }
  }
}
