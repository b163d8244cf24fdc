// RoPE, Hugging Face Llama `rotate_half` convention, in place on x [rows, heads, D]:
// for i < D/2, with a = f32(pos[row] · inv_freq[i]) (inv_freq uploaded, computed as HF does):
//   forward:  x_i' = x_i·cos a − x_{i+D/2}·sin a ;  x_{i+D/2}' = x_{i+D/2}·cos a + x_i·sin a
//   backward (INVERSE): the same with −a (Rᵀ = R⁻¹ applied to the gradient, in place).
// One thread per (row, head, i); flat index = global x + global y · (nwg.x · 256).
// Entry `pair`: q and k in ONE dispatch (same rows and positions, heads / heads2 each):
// threads t < n rotate x (q), threads n ≤ t < n + n2 rotate y (k) — half the dispatches.
//
// Accuracy trap: WGSL's sin/cos are only specified (2^-11 absolute) on [−π, π]; GPU
// implementations are far worse for a ≈ 2048 rad. So sin/cos are computed here with the
// Cephes sinf/cosf scheme: Cody–Waite reduction by π/4 in three parts (DP1 has 8 significant
// bits, so y·DP1 is exact for y < 2^16, i.e. angles below ~51000 rad; Cephes quotes full
// accuracy for |a| < 8192) and minimax polynomials on [−π/4, π/4]. Result ≈ 1–2 ulp of the
// true sin/cos of the f32 angle, the same value HF's float32 cos/sin give.
// The angle itself is f32(pos·inv_freq) like HF: for pos ≈ 2048 it differs from the exact
// real product by up to ½ ulp(2048) ≈ 6e-5 rad — HF has the same error, which we reproduce.
override INVERSE: bool = false;
struct P { n: u32, heads: u32, half: u32, n2: u32, heads2: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> x: array<f32>;
@group(0) @binding(2) var<storage, read> pos: array<u32>;
@group(0) @binding(3) var<storage, read> inv_freq: array<f32>;
@group(0) @binding(4) var<storage, read_write> y: array<f32>; // entry `pair` only

const FOPI = 1.27323954473516;              // 4/π
const DP1 = 0.78515625;                      // π/4 = DP1 + DP2 + DP3
const DP2 = 2.4187564849853515625e-4;
const DP3 = 3.77489497744594108e-8;

// (sin a, cos a) for a ≥ 0 (positions are unsigned and inv_freq > 0).
fn sincos(a: f32) -> vec2f {
  var j = u32(a * FOPI);
  j = j + (j & 1u);                          // even octant index: a = j·π/4 + r, |r| ≤ π/4
  let y = f32(j);
  let r = ((a - y * DP1) - y * DP2) - y * DP3;
  let z = r * r;
  let s = ((-1.9515295891e-4 * z + 8.3321608736e-3) * z - 1.6666654611e-1) * z * r + r;
  let c = ((2.443315711809948e-5 * z - 1.388731625493765e-3) * z + 4.166664568298827e-2) * z * z - 0.5 * z + 1.0;
  switch (j & 7u) {
    case 0u: { return vec2f(s, c); }
    case 2u: { return vec2f(c, -s); }
    case 4u: { return vec2f(-s, -c); }
    default: { return vec2f(-c, s); }          // j ≡ 6 (mod 8)
  }
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t >= p.n) { return; }
  let rot = rotation(t, p.heads);
  let x1 = x[rot.i1];
  let x2 = x[rot.i2];
  x[rot.i1] = x1 * rot.cs.y - x2 * rot.cs.x;
  x[rot.i2] = x2 * rot.cs.y + x1 * rot.cs.x;
}

struct Rot { i1: u32, i2: u32, cs: vec2f } // the pair's flat indices, (sin, cos) of its angle

// Thread t of one tensor [rows, heads, 2·half]: which pair it rotates, and by how much.
fn rotation(t: u32, heads: u32) -> Rot {
  let i = t % p.half;
  let rh = t / p.half;                       // row·heads + head
  let row = rh / heads;
  var sc = sincos(f32(pos[row]) * inv_freq[i]);
  if (INVERSE) { sc.x = -sc.x; }
  let base = rh * 2u * p.half;
  return Rot(base + i, base + i + p.half, sc);
}

@compute @workgroup_size(256)
fn pair(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let t = gid.x + gid.y * nwg.x * 256u;
  if (t < p.n) {
    let rot = rotation(t, p.heads);
    let x1 = x[rot.i1];
    let x2 = x[rot.i2];
    x[rot.i1] = x1 * rot.cs.y - x2 * rot.cs.x;
    x[rot.i2] = x2 * rot.cs.y + x1 * rot.cs.x;
  } else if (t < p.n + p.n2) {
    let rot = rotation(t - p.n, p.heads2);
    let y1 = y[rot.i1];
    let y2 = y[rot.i2];
    y[rot.i1] = y1 * rot.cs.y - y2 * rot.cs.x;
    y[rot.i2] = y2 * rot.cs.y + y1 * rot.cs.x;
  }
}
