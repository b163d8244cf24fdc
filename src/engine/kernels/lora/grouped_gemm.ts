// WGSL of a grouped GEMM: G independent products of one shape in ONE dispatch (workgroup z =
// problem), each with its own bindings — the register-blocked direct kernel
// (matmul/matmul_direct.wgsl: 8×8 threads, each a 4×4 block of C, operands streamed from the
// storage buffers) written out once per problem, so the inner loop never branches on z:
//
//   C_z = alpha·op(A_z)·op(B_z) + beta·C_z      z < G;  op(A) [M,K], op(B) [K,N], C [M,N]
//
// A (or B) may be one binding shared by every problem (`sharedA` / `sharedB`: the LoRA input x).
// Bindings: 0 params; then A_0…, B_0…, C_0… in that order (1 or G each for A and B, G for C),
// ≤ 7 storage buffers for G ≤ 3 with one shared side. TRANS_A / TRANS_B are overrides.
// vec4 = true: matmul_direct4.wgsl's loads instead (A and B bound as vec4 arrays; valid when
// directVec4 says so — A's and B's contiguous axes multiples of 4), ~2× faster on SwiftShader.
// Traps: beta == 0 must not read C (pooled buffers hold garbage); reads are clamped to the
// last valid row/col (M, N ≥ 1 guaranteed by the launcher) and skipped at the store.

const HEAD = `struct P { M: u32, N: u32, K: u32, alpha: f32, beta: f32 }
@group(0) @binding(0) var<uniform> p: P;
override TRANS_A: bool = false;
override TRANS_B: bool = false;
fn a_rows(m: vec4u) -> vec4u { if (TRANS_A) { return m; } return m * p.K; }
fn a_step() -> u32 { if (TRANS_A) { return p.M; } return 1u; }
fn b_cols(n: vec4u) -> vec4u { if (TRANS_B) { return n * p.K; } return n; }
fn b_step() -> u32 { if (TRANS_B) { return 1u; } return p.N; }
`;

// The epilogue of both: c[row, col] = alpha·acc[i][j] (+ beta·c), bound-checked.
const STORE = (c: string) => `  for (var i = 0u; i < 4u; i++) {
    let row = mb + i;
    if (row >= p.M) { return; }
    for (var j = 0u; j < 4u; j++) {
      let col = nb + j;
      if (col >= p.N) { break; }
      let o = row * p.N + col;
      var r = p.alpha * acc[i][j];
      if (p.beta != 0.0) { r += p.beta * ${c}[o]; }
      ${c}[o] = r;
    }
  }`;

function problem(z: number, a: string, b: string, c: string): string {
  return `
fn run${z}(mb: u32, nb: u32) {
  let m = min(vec4u(mb) + vec4u(0u, 1u, 2u, 3u), vec4u(p.M - 1u));
  let n = min(vec4u(nb) + vec4u(0u, 1u, 2u, 3u), vec4u(p.N - 1u));
  var acc = mat4x4f();
  var ia = a_rows(m);
  var ib = b_cols(n);
  let sa = a_step();
  let sb = b_step();
  for (var k = 0u; k < p.K; k++) {
    let bv = vec4f(${b}[ib.x], ${b}[ib.y], ${b}[ib.z], ${b}[ib.w]);
    acc[0] = fma(vec4f(${a}[ia.x]), bv, acc[0]);
    acc[1] = fma(vec4f(${a}[ia.y]), bv, acc[1]);
    acc[2] = fma(vec4f(${a}[ia.z]), bv, acc[2]);
    acc[3] = fma(vec4f(${a}[ia.w]), bv, acc[3]);
    ia += vec4u(sa);
    ib += vec4u(sb);
  }
${STORE(c)}
}
`;
}

// matmul_direct4.wgsl's main loop for one problem (see there): per 4-step of k, the 4 rows
// of op(A) as vec4s over k and the 4×4 block of op(B); a scalar tail for K % 4.
function problem4(z: number, a: string, b: string, c: string): string {
  return `
fn run${z}(mb: u32, nb: u32) {
  let M = p.M; let N = p.N; let K = p.K;
  let m = min(vec4u(mb) + vec4u(0u, 1u, 2u, 3u), vec4u(M - 1u));
  let n = min(vec4u(nb) + vec4u(0u, 1u, 2u, 3u), vec4u(N - 1u));
  var acc0 = vec4f(); var acc1 = vec4f(); var acc2 = vec4f(); var acc3 = vec4f();
  let K4 = K & ~3u;
  for (var k = 0u; k < K4; k += 4u) {
    var x0: vec4f; var x1: vec4f; var x2: vec4f; var x3: vec4f;
    if (TRANS_A) {
      let t = transpose(mat4x4f(${a}[(k * M + mb) >> 2u], ${a}[((k + 1u) * M + mb) >> 2u],
                                ${a}[((k + 2u) * M + mb) >> 2u], ${a}[((k + 3u) * M + mb) >> 2u]));
      x0 = t[0]; x1 = t[1]; x2 = t[2]; x3 = t[3];
    } else {
      x0 = ${a}[(m.x * K + k) >> 2u]; x1 = ${a}[(m.y * K + k) >> 2u];
      x2 = ${a}[(m.z * K + k) >> 2u]; x3 = ${a}[(m.w * K + k) >> 2u];
    }
    var bm: mat4x4f;
    if (TRANS_B) {
      bm = transpose(mat4x4f(${b}[(n.x * K + k) >> 2u], ${b}[(n.y * K + k) >> 2u],
                             ${b}[(n.z * K + k) >> 2u], ${b}[(n.w * K + k) >> 2u]));
    } else {
      bm = mat4x4f(${b}[(k * N + nb) >> 2u], ${b}[((k + 1u) * N + nb) >> 2u],
                   ${b}[((k + 2u) * N + nb) >> 2u], ${b}[((k + 3u) * N + nb) >> 2u]);
    }
    acc0 += bm * x0; acc1 += bm * x1; acc2 += bm * x2; acc3 += bm * x3;
  }
  for (var k = K4; k < K; k++) {
    let jb = b_cols(n) + vec4u(k * b_step());
    let bv = vec4f(${b}[jb.x >> 2u][jb.x & 3u], ${b}[jb.y >> 2u][jb.y & 3u], ${b}[jb.z >> 2u][jb.z & 3u], ${b}[jb.w >> 2u][jb.w & 3u]);
    let ja = a_rows(m) + vec4u(k * a_step());
    acc0 = fma(vec4f(${a}[ja.x >> 2u][ja.x & 3u]), bv, acc0);
    acc1 = fma(vec4f(${a}[ja.y >> 2u][ja.y & 3u]), bv, acc1);
    acc2 = fma(vec4f(${a}[ja.z >> 2u][ja.z & 3u]), bv, acc2);
    acc3 = fma(vec4f(${a}[ja.w >> 2u][ja.w & 3u]), bv, acc3);
  }
  let acc = mat4x4f(acc0, acc1, acc2, acc3);
${STORE(c)}
}
`;
}

const CACHE = new Map<string, string>();

/** The kernel source for G problems (1–3), A and/or B shared or per problem, vec4 loads or not. */
export function groupedGemmCode(G: number, sharedA: boolean, sharedB: boolean, vec4: boolean): string {
  const key = `${G}:${sharedA}:${sharedB}:${vec4}`;
  const hit = CACHE.get(key);
  if (hit) return hit;
  const nA = sharedA ? 1 : G, nB = sharedB ? 1 : G;
  const decl: string[] = [];
  let bind = 1;
  const el = vec4 ? 'vec4f' : 'f32';
  for (let i = 0; i < nA; i++) decl.push(`@group(0) @binding(${bind++}) var<storage, read> a${i}: array<${el}>;`);
  for (let i = 0; i < nB; i++) decl.push(`@group(0) @binding(${bind++}) var<storage, read> b${i}: array<${el}>;`);
  for (let i = 0; i < G; i++) decl.push(`@group(0) @binding(${bind++}) var<storage, read_write> c${i}: array<f32>;`);
  const runs = Array.from({ length: G }, (_, z) => (vec4 ? problem4 : problem)(z, `a${sharedA ? 0 : z}`, `b${sharedB ? 0 : z}`, `c${z}`));
  const cases = Array.from({ length: G }, (_, z) => `    case ${z}u: { run${z}(mb, nb); }`).join('\n');
  const code = `${HEAD}${decl.join('\n')}
${runs.join('')}
@compute @workgroup_size(8, 8)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let mb = g.y * 4u;
  let nb = g.x * 4u;
  if (mb >= p.M || nb >= p.N) { return; }
  switch (g.z) {
${cases}
    default: {}
  }
}
`;
  CACHE.set(key, code);
  return code;
}
