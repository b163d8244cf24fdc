// LayerNorm backward, 'rows' path (CPU adapters, see path.ts). One dispatch, two roles chosen
// per workgroup (no barriers). n = (x−mean)·rstd, dn = dy·w:
//   workgroups [0, p.nDx):  one invocation per row:
//                           dx += rstd · (dn − mean(dn) − n · mean(dn·n))       (accumulates)
//   workgroups [p.nDx, …):  one invocation per (column c, row chunk g), g-major, summing rows
//                           [g·R, min((g+1)·R, rows)) in order: sw = Σ dy·n, sb = Σ dy;
//                           G = 1: dw[c] += sw, db[c] += sb (dWeight / dBias themselves);
//                           G > 1: dw[g·H + c] = sw, db[g·H + c] = sb ([G, H] partials, colsum).
// Deterministic (fixed order, one writer per element, no atomics). Outputs the launcher does
// not need are dummies: nDx = 0 without dx, no column workgroups without dWeight and dBias,
// and a scratch buffer for the one of dWeight / dBias that is null.
// Flat workgroup index = wid.x + wid.y · nwg.x (ctx.grid for more than 65535 workgroups).
struct P { rows: u32, H: u32, G: u32, R: u32, nDx: u32, nW: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;   // dWeight [H] or partial [G, H]
@group(0) @binding(3) var<storage, read_write> db: array<f32>;   // dBias [H] or partial [G, H]
@group(0) @binding(4) var<storage, read> dy: array<f32>;
@group(0) @binding(5) var<storage, read> x: array<f32>;
@group(0) @binding(6) var<storage, read> w: array<f32>;
@group(0) @binding(7) var<storage, read> mean: array<f32>;
@group(0) @binding(8) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let wg = wid.x + wid.y * nwg.x;
  let H = p.H;
  if (wg < p.nDx) {
    let row = wg * 64u + lid.x;
    if (row >= p.rows) { return; }
    let base = row * H;
    let mu = mean[row];
    let rs = rstd[row];
    var a = 0.0;
    var an = 0.0;
    for (var c = 0u; c < H; c++) {
      let dn = dy[base + c] * w[c];
      a += dn;
      an += dn * ((x[base + c] - mu) * rs);
    }
    let m = a / f32(H);
    let mn = an / f32(H);
    for (var c = 0u; c < H; c++) {
      let i = base + c;
      dx[i] = dx[i] + rs * (dy[i] * w[c] - m - ((x[i] - mu) * rs) * mn);
    }
    return;
  }
  let k = wg - p.nDx;
  let g = k / p.nW;
  let c = (k % p.nW) * 64u + lid.x;
  if (g >= p.G || c >= H) { return; }
  let r0 = g * p.R;
  let r1 = min(r0 + p.R, p.rows);
  var sw = 0.0;
  var sb = 0.0;
  for (var r = r0; r < r1; r++) {
    let d = dy[r * H + c];
    sw += d * ((x[r * H + c] - mean[r]) * rstd[r]);
    sb += d;
  }
  if (p.G == 1u) {
    dw[c] = dw[c] + sw;
    db[c] = db[c] + sb;
  } else {
    dw[g * H + c] = sw;
    db[g * H + c] = sb;
  }
}
