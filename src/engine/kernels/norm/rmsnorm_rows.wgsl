// RMSNorm forward, 'rows' path (CPU adapters, see path.ts): one invocation per row, a serial
// loop over H, no workgroup memory or barriers. Same bindings, params and results as
// rmsnorm.wgsl: rstd = 1/sqrt(mean(x²) + eps); y = w · (x · rstd).
// x, y [rows, H]; w [H]; rstd [rows]. Launched on ctx.grid(ceil(rows / 64)) workgroups:
// row = gid.x + gid.y · (64 · nwg.x).
struct P { rows: u32, H: u32, eps: f32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<storage, read_write> rstd: array<f32>;
@group(0) @binding(3) var<storage, read> x: array<f32>;
@group(0) @binding(4) var<storage, read> w: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let row = gid.x + gid.y * nwg.x * 64u;
  if (row >= p.rows) { return; }
  let H = p.H;
  let base = row * H;
  var ss = 0.0;
  for (var c = 0u; c < H; c++) { let v = x[base + c]; ss += v * v; }
  let r = inverseSqrt(ss / f32(H) + p.eps);
  rstd[row] = r;
  for (var c = 0u; c < H; c++) { y[base + c] = w[c] * (x[base + c] * r); }
}
