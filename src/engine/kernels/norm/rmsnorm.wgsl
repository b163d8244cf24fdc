// RMSNorm forward (HF LlamaRMSNorm): rstd = 1/sqrt(mean(x²) + eps); y = w · (x · rstd).
// x, y [rows, H]; w [H]; rstd [rows] (saved for backward). One workgroup of WG threads
// per row; threads stride over H (H need not be a multiple of WG, e.g. 576, 65, 1).
// Rows beyond 65535 come as a 2-D grid: row = wid.x + wid.y * nwg.x.
// (WG, red, wg_sum, wg_sum2 come from wg_sum.wgsl, prepended by the launcher)
struct P { rows: u32, H: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let row = wid.x + wid.y * nwg.x;
  if (row >= p.rows) { return; }
  let t = lid.x;
  let H = p.H;
  let base = row * H;
  var ss = 0.0;
  for (var c = t; c < H; c += WG) { let v = x[base + c]; ss += v * v; }
  let r = inverseSqrt(wg_sum(ss, t) / f32(H) + p.eps);
  if (t == 0u) { rstd[row] = r; }
  for (var c = t; c < H; c += WG) { y[base + c] = w[c] * (x[base + c] * r); }
}
