// LayerNorm forward, 'rows' path (CPU adapters, see path.ts): one invocation per row, serial
// loops over H, no workgroup memory or barriers. Same bindings, params and results as
// layernorm.wgsl (biased variance, two-pass for stability):
//   mean = Σx/H; rstd = 1/sqrt(Σ(x−mean)²/H + eps); y = (x−mean)·rstd·w + b.
// x, y [rows, H]; w, b [H]; mean, rstd [rows]. Launched on ctx.grid(ceil(rows / 64)):
// row = gid.x + gid.y · (64 · nwg.x).
struct P { rows: u32, H: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.rows) { return; }
  let H = p.H;
  let base = row * H;
  var s = 0.0;
  for (var c = 0u; c < H; c++) { s += x[base + c]; }
  let mu = s / f32(H);
  var ss = 0.0;
  for (var c = 0u; c < H; c++) { let d = x[base + c] - mu; ss += d * d; }
  let r = inverseSqrt(ss / f32(H) + p.eps);
  mean[row] = mu;
  rstd[row] = r;
  for (var c = 0u; c < H; c++) { y[base + c] = (x[base + c] - mu) * r * w[c] + b[c]; }
}
