// LayerNorm forward (SigLIP nn.LayerNorm, biased variance, two-pass for stability):
//   mean = Σx/H; rstd = 1/sqrt(Σ(x−mean)²/H + eps); y = (x−mean)·rstd·w + b.
// x, y [rows, H]; w, b [H]; mean, rstd [rows] saved. One workgroup per row.
// (WG, red, wg_sum, wg_sum2 come from wg_sum.wgsl, prepended by the launcher)
struct P { rows: u32, H: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> mean: array<f32>;
@group(0) @binding(3) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> b: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let t = lid.x;
  let H = p.H;
  let base = row * H;
  var s = 0.0;
  for (var c = t; c < H; c += WG) { s += x[base + c]; }
  let mu = wg_sum(s, t) / f32(H);
  var ss = 0.0;
  for (var c = t; c < H; c += WG) { let d = x[base + c] - mu; ss += d * d; }
  let r = inverseSqrt(wg_sum(ss, t) / f32(H) + p.eps);
  if (t == 0u) { mean[row] = mu; rstd[row] = r; }
  for (var c = t; c < H; c += WG) { y[base + c] = (x[base + c] - mu) * r * w[c] + b[c]; }
}
