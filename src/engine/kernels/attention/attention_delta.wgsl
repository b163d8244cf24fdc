// Attention backward, step 1 (tiny): per query row, Δ = Σ_d dO·O, packed with the row's lse
// into stats [B,Hq,T,2] = (lseEff, Δ) so the two big backward kernels bind one buffer
// (keeping them within 8 storage buffers, WebGPU's default limit).
// lseEff = lse, except for rows that saw no key (lse = −Infinity, or any non-finite bits):
// there lseEff = +1e30, so exp(score − lseEff) is exactly 0 downstream without a branch
// and without relying on infinities (which WGSL compilers may assume away).
// One thread per row; rows = B·Hq·T laid out like lse; out/dout are [B,T,Hq,D].

struct Params {
  T: u32,
  Hq: u32,
  D: u32,
  rows: u32,
}

@group(0) @binding(0) var<uniform> p: Params;
@group(0) @binding(1) var<storage, read_write> stats: array<f32>;
@group(0) @binding(2) var<storage, read> dout: array<f32>;
@group(0) @binding(3) var<storage, read> out: array<f32>;
@group(0) @binding(4) var<storage, read> lse: array<f32>;

@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) li: u32) {
  let row = (wid.x + wid.y * nwg.x) * 64u + li;
  if (row >= p.rows) { return; }
  let t = row % p.T;
  let bh = row / p.T;
  let h = bh % p.Hq;
  let b = bh / p.Hq;
  let o = ((b * p.T + t) * p.Hq + h) * p.D;
  var delta = 0.0;
  for (var d = 0u; d < p.D; d++) { delta += dout[o + d] * out[o + d]; }
  let L = lse[row];
  let finite = (bitcast<u32>(L) & 0x7f800000u) != 0x7f800000u;
  stats[2u * row] = select(1.0e30, L, finite);
  stats[2u * row + 1u] = select(0.0, delta, finite);
}
