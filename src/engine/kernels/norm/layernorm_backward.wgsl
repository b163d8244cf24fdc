// LayerNorm backward (llm.c layernorm_backward). n = (x−mean)·rstd, dn = dy·w:
//   dx += rstd · (dn − mean(dn) − n · mean(dn·n))
//   dW  = Σ_rows dy·n, dB = Σ_rows dy → partials [G, 2, H] (W at 0, B at H), then colsum.wgsl
// Each workgroup g owns rows g, g+G, … and partial slot g: deterministic, no atomics.
override HAS_DX: bool = true;
override HAS_DWB: bool = true;
// (WG, red, wg_sum, wg_sum2 come from wg_sum.wgsl, prepended by the launcher)
struct P { rows: u32, H: u32, G: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;   // [G, 2, H]
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> mean: array<f32>;
@group(0) @binding(7) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = wid.x;
  let t = lid.x;
  let H = p.H;
  let pw = g * 2u * H;
  if (HAS_DWB) { for (var c = t; c < H; c += WG) { partial[pw + c] = 0.0; partial[pw + H + c] = 0.0; } }
  for (var row = g; row < p.rows; row += p.G) {
    let base = row * H;
    let mu = mean[row];
    let rs = rstd[row];
    var acc = vec2f(0.0);
    for (var c = t; c < H; c += WG) {
      let dn = dy[base + c] * w[c];
      acc += vec2f(dn, dn * ((x[base + c] - mu) * rs));
    }
    let m = wg_sum2(acc, t) / f32(H);
    for (var c = t; c < H; c += WG) {
      let n = (x[base + c] - mu) * rs;
      let d = dy[base + c];
      if (HAS_DX) { dx[base + c] = dx[base + c] + rs * (d * w[c] - m.x - n * m.y); }
      if (HAS_DWB) {
        partial[pw + c] = partial[pw + c] + d * n;
        partial[pw + H + c] = partial[pw + H + c] + d;
      }
    }
  }
}
