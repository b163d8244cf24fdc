// RMSNorm backward. n = x·rstd, dn = dy·w:
//   dx += rstd · (dn − n · mean(dn·n))          (accumulates)
//   dW  = Σ_rows dy·n → per-workgroup partials [G, H], summed by colsum.wgsl afterwards
// (no float atomics in WGSL: each workgroup owns a fixed set of rows r = g, g+G, … and its
// own partial row, so the result is deterministic). HAS_DX / HAS_DW switch the outputs off
// (the launcher then binds a dummy buffer that is never touched).
override HAS_DX: bool = true;
override HAS_DW: bool = true;
// (WG, red, wg_sum, wg_sum2 come from wg_sum.wgsl, prepended by the launcher)
struct P { rows: u32, H: u32, G: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> partial: array<f32>;   // [G, H]
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u) {
  let g = wid.x;
  let t = lid.x;
  let H = p.H;
  if (HAS_DW) { for (var c = t; c < H; c += WG) { partial[g * H + c] = 0.0; } }
  for (var row = g; row < p.rows; row += p.G) {
    let base = row * H;
    let rs = rstd[row];
    var acc = 0.0;
    for (var c = t; c < H; c += WG) { acc += dy[base + c] * w[c] * (x[base + c] * rs); }
    let m = wg_sum(acc, t) / f32(H);
    for (var c = t; c < H; c += WG) {
      let n = x[base + c] * rs;
      let d = dy[base + c];
      if (HAS_DX) { dx[base + c] = dx[base + c] + rs * (d * w[c] - n * m); }
      if (HAS_DW) { partial[g * H + c] = partial[g * H + c] + d * n; }
    }
  }
}
