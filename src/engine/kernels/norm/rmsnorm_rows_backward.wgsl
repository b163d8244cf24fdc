// RMSNorm backward, 'rows' path (CPU adapters, see path.ts). One dispatch, two roles chosen
// per workgroup (no barriers, so workgroups need not agree on anything):
//   workgroups [0, p.nDx):  one invocation per row (rows ≥ p.rows idle), n = x·rstd, dn = dy·w:
//                           dx += rstd · (dn − n · mean(dn·n))                (accumulates)
//   workgroups [p.nDx, …):  one invocation per (column c, row chunk g), g-major:
//                           s = Σ_{r in [g·R, min((g+1)·R, rows))} dy[r,c]·n[r,c], in r order;
//                           G = 1: dw[c] += s (dw is dWeight itself, accumulates);
//                           G > 1: dw[g·H + c] = s (dw is a [G, H] partial; colsum adds it).
// Deterministic: every sum has a fixed order and a single writer; no atomics.
// The launcher sets nDx = 0 without dx and launches no column workgroups without dWeight
// (the unused output is then a 1-element dummy that is never touched).
// Flat workgroup index = wid.x + wid.y · nwg.x (ctx.grid for more than 65535 workgroups).
struct P { rows: u32, H: u32, G: u32, R: u32, nDx: u32, nW: u32 }
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var<storage, read_write> dx: array<f32>;
@group(0) @binding(2) var<storage, read_write> dw: array<f32>;   // dWeight [H] or partial [G, H]
@group(0) @binding(3) var<storage, read> dy: array<f32>;
@group(0) @binding(4) var<storage, read> x: array<f32>;
@group(0) @binding(5) var<storage, read> w: array<f32>;
@group(0) @binding(6) var<storage, read> rstd: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u,
        @builtin(local_invocation_id) lid: vec3u) {
  let wg = wid.x + wid.y * nwg.x;
  let H = p.H;
  if (wg < p.nDx) {
    let row = wg * 64u + lid.x;
    if (row >= p.rows) { return; }
    let base = row * H;
    let rs = rstd[row];
    var acc = 0.0;
    for (var c = 0u; c < H; c++) { acc += dy[base + c] * w[c] * (x[base + c] * rs); }
    let m = acc / f32(H);
    for (var c = 0u; c < H; c++) {
      let i = base + c;
      dx[i] = dx[i] + rs * (dy[i] * w[c] - (x[i] * rs) * m);
    }
    return;
  }
  // column role: p.nW workgroups cover the H columns of one chunk
  let k = wg - p.nDx;
  let g = k / p.nW;
  let c = (k % p.nW) * 64u + lid.x;
  if (g >= p.G || c >= H) { return; }
  let r0 = g * p.R;
  let r1 = min(r0 + p.R, p.rows);
  var s = 0.0;
  for (var r = r0; r < r1; r++) { s += dy[r * H + c] * (x[r * H + c] * rstd[r]); }
  if (p.G == 1u) { dw[c] = dw[c] + s; } else { dw[g * H + c] = s; }
}
